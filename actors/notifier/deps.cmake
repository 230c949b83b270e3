# The notifier's actor-free part: config types, libcurl for webhooks and SMTP,
# a worker thread for delivery.
set(H2K_ACTOR_DEPS_notifier h2k_daemon_config CURL::libcurl Threads::Threads)
