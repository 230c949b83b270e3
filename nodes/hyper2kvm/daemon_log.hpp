#pragma once
// The daemon's logger: log_file when configured (appended to; logrotate
// rotates it with copytruncate, see cluster-config/), else stderr, which
// systemd sends to the journal. verbose: 0 warnings, 1 info, 2 debug, 3 trace.
#include <filesystem>
#include <memory>

#include <spdlog/logger.h>

namespace h2k {

std::shared_ptr<spdlog::logger> make_daemon_logger(const std::filesystem::path& log_file, int verbose);

}  // namespace h2k
