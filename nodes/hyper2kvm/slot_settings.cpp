#include "nodes/hyper2kvm/slot_settings.hpp"

#include <systemd/sd-daemon.h>

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

HostAccel settle_host_accel(DaemonConfig& config, const std::filesystem::path& self_exe, spdlog::logger& log) {
  auto& conversion = config.conversion;
  const auto timeout = std::chrono::seconds(conversion.kvm_probe_timeout_s);
  HostAccel host = decide_host_accel(
      conversion.verify_boot_accel, conversion.libguestfs.backend_settings, kvm_usable(), timeout, [&] {
        log.info("timing an appliance launch with KVM (up to {} s, conversion.libguestfs.kvm_probe_timeout)",
                 timeout.count());
        // Type=notify units: the start may take the probe's time.
        sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu", static_cast<unsigned long long>(timeout.count() + 30) * 1000000ull);
        return time_appliance_launch(conversion.libguestfs, self_exe, timeout);
      });
  conversion.libguestfs.backend_settings = host.backend_settings;
  if (host.fell_back)
    log.warn("accelerator: tcg: {} (set conversion.libguestfs.backend_settings: force_tcg to skip this test)",
             host.why);
  else
    log.info("accelerator: {}: {}", to_string(host.accel), host.why);
  return host;
}

}  // namespace h2k
