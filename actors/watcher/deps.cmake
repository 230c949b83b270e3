# The watcher reads VM descriptions with the engine's own parsers (inputs,
# formats) and computes dedup keys with storage/dedup_key.
set(H2K_ACTOR_DEPS_watcher h2k_inputs h2k_formats h2k_storage h2k_actor_common)
