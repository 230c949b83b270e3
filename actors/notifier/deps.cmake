# The notifier's actor-free part: its settings (actors/settings), libcurl for webhooks and SMTP,
# a worker thread for delivery. The actor (notifier_actor.cpp) adds CAF and
# the daemon's spdlog logger.
set(H2K_ACTOR_DEPS_notifier h2k_actor_settings h2k_actor_common CURL::libcurl OpenSSL::Crypto Threads::Threads CAF::core spdlog::spdlog)
