#pragma once
// A cluster node that is not the coordinator: converter and/or watcher
// (the exporter role arrives with the vSphere exporter). It connects to the
// coordinator over CAF's middleman, registers, and reconnects with backoff
// (200 ms doubling to 2 s) whenever the connection drops; its coordinator
// link holds outcomes and requests meanwhile.
#include <filesystem>

#include "nodes/common/config/daemon_config.hpp"

namespace h2k {

// Runs until SIGTERM/SIGINT. Returns the exit code (1: start-up failed).
int run_cluster_node(const DaemonConfig& config, const std::filesystem::path& self_exe);

}  // namespace h2k
