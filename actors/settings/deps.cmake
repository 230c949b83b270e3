# h2k_actor_settings: the typed settings the actors are started with
# (ConversionSettings, NotificationSettings) and redact_url. Plain data, no
# actor: the node's h2k_daemon_config parses daemon.yaml into these, and the
# actors never include anything from the node layer. CAF-free (see
# actors/CMakeLists.txt);
# the engine's option types are used header-only, so no engine library.
set(H2K_ACTOR_CAF_FREE_settings ON)
set(H2K_ACTOR_DEPS_settings "")
