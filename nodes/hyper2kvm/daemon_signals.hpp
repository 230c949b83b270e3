#pragma once
// The signals a daemon process (single host, coordinator or cluster node)
// takes synchronously on its main thread: SIGTERM/SIGINT (stop), SIGHUP.
#include <csignal>

namespace h2k {

// Blocks SIGTERM, SIGINT and SIGHUP (returned, for sigtimedwait) and
// ignores SIGPIPE. Call before any thread starts (CAF's, the servers'), so
// that every thread inherits the mask and only the main thread takes them.
sigset_t block_daemon_signals();

}  // namespace h2k
