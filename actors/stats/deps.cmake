# iso8601_utc and the rounding rules are shared with the failure reports.
set(H2K_ACTOR_DEPS_stats h2k_actor_common)
