# h2k_storage: dedup keys (a cluster slot hashes the files it converts).
set(H2K_ACTOR_DEPS_converter h2k_pipeline h2k_actor_settings h2k_actor_common h2k_storage CAF::core)
