set(H2K_ACTOR_DEPS_scheduler h2k_storage h2k_inputs h2k_actor_common h2k_actor_control_protocol CAF::core spdlog::spdlog)
