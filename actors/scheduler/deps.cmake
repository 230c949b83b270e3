set(H2K_ACTOR_DEPS_scheduler h2k_storage h2k_actor_common CAF::core spdlog::spdlog)
