#include "nodes/hyper2kvm/daemon_log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace h2k {

std::shared_ptr<spdlog::logger> make_daemon_logger(const std::filesystem::path& log_file, int verbose) {
  std::shared_ptr<spdlog::logger> logger;
  if (log_file.empty()) {
    logger = std::make_shared<spdlog::logger>("hyper2kvm", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    std::filesystem::create_directories(log_file.parent_path());
    logger = std::make_shared<spdlog::logger>(
        "hyper2kvm", std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file.string(), /*truncate=*/false));
  }
  switch (verbose) {
    case 0: logger->set_level(spdlog::level::warn); break;
    case 1: logger->set_level(spdlog::level::info); break;
    case 2: logger->set_level(spdlog::level::debug); break;
    default: logger->set_level(spdlog::level::trace); break;
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  // Every line reaches the file at once: an operator tails it, and a crash
  // must not eat the last lines.
  logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace h2k
