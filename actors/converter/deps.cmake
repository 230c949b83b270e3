set(H2K_ACTOR_DEPS_converter h2k_pipeline h2k_actor_settings CAF::core)
