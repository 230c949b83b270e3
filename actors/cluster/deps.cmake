set(H2K_ACTOR_DEPS_cluster h2k_actor_common CAF::core)
