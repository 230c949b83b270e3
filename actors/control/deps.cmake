# The control server runs an accept thread and one thread per client.
set(H2K_ACTOR_DEPS_control Threads::Threads)
