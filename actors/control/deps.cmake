# The control server runs an accept thread and one thread per client; the
# wire protocol and socket helpers are the CAF-free h2k_actor_control_protocol.
set(H2K_ACTOR_DEPS_control h2k_actor_control_protocol Threads::Threads)
