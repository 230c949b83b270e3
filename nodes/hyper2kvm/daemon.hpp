#pragma once
// The single-host node: every actor in one process (the embedded default).
#include <filesystem>

#include "nodes/common/config/daemon_config.hpp"

namespace h2k {

// Runs until drained or stopped (control socket, SIGTERM/SIGINT). Returns
// the process exit code: 0 after a clean drain/stop, 1 when start-up failed
// (the reason is logged and printed).
int run_daemon(const DaemonConfig& config, const std::filesystem::path& self_exe);

}  // namespace h2k
