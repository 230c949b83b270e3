#include "nodes/hyper2kvm/slot_settings.hpp"

namespace h2k {

ConverterSettings converter_settings(const DaemonConfig& config, const std::filesystem::path& self_exe,
                                     const FaultPlan& faults) {
  ConverterSettings conv;
  conv.watch_root = config.watch_dir;
  conv.output_root = config.output_dir;
  conv.conversion = config.conversion;
  conv.self_exe = self_exe;
  conv.faults = faults;
  return conv;
}

ExporterSettings exporter_settings(const DaemonConfig& config) {
  ExporterSettings exp;
  exp.watch_root = config.watch_dir;  // on a cluster node: the share, as this host mounts it
  exp.credentials_file = config.vsphere.credentials_file;
  exp.default_username = config.vsphere.username;
  exp.parallel_disks = config.exports.parallel_disks;
  exp.lease_ready_timeout = std::chrono::duration_cast<std::chrono::seconds>(config.exports.lease_ready_timeout);
  exp.shutdown_timeout = std::chrono::duration_cast<std::chrono::seconds>(config.exports.shutdown_timeout);
  return exp;
}

std::optional<DedupMethod> dedup_on_converter(const DaemonConfig& config) {
  if (!config.cluster.enabled || !config.enable_deduplication) return std::nullopt;
  if (config.deduplication_method == DedupMethod::NameAndSize) return std::nullopt;
  return config.deduplication_method;
}

WatcherOptions watcher_options(const DaemonConfig& config) {
  WatcherOptions watch;
  watch.settings.watch_dir = config.watch_dir;
  watch.settings.file_stable_timeout = config.file_stable_timeout;
  watch.settings.dedup = config.deduplication_method;
  watch.settings.dedup_enabled = config.enable_deduplication && !dedup_on_converter(config);
  return watch;
}

Accel converter_accel(const DaemonConfig& config) {
  return choose_accel(config.conversion.verify_boot_accel, config.conversion.libguestfs.backend_settings, kvm_usable());
}

}  // namespace h2k
