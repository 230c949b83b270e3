# h2k_actor_control_protocol: what both ends of the control socket share,
# without CAF (see actors/CMakeLists.txt): the JSON-lines request protocol
# (control_protocol) and the POSIX socket helpers (unix_socket: owned
# descriptors, socket addresses, deadline-bounded waits and writes). The
# daemon's server (actors/control) and hyperctl (tools/hyperctl) link it;
# hyperctl links nothing else of the daemon.
set(H2K_ACTOR_CAF_FREE_control_protocol ON)
set(H2K_ACTOR_DEPS_control_protocol "")
