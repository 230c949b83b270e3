#pragma once
// What a job slot of this process needs from the daemon configuration: the
// same for the single-host daemon and a cluster node, so both build their
// converter and export slots from one place.
#include <filesystem>

#include "actors/converter/conversion_task.hpp"
#include "actors/exporter/export_task.hpp"
#include "actors/watcher/watcher_actor.hpp"
#include <spdlog/logger.h>

#include "engine/verify/accel.hpp"
#include "engine/verify/appliance_probe.hpp"
#include "nodes/common/config/daemon_config.hpp"

namespace h2k {

ConverterSettings converter_settings(const DaemonConfig& config, const std::filesystem::path& self_exe,
                                     const FaultPlan& faults);
ExporterSettings exporter_settings(const DaemonConfig& config);
// How this host's guests would boot (conversion.verify_boot_accel, libguestfs
// force_tcg, /dev/kvm usable).
Accel converter_accel(const DaemonConfig& config);
// Decides once, at start, whether this host's conversions may use KVM: only
// if an appliance really launches with it (decide_host_accel; up to
// conversion.libguestfs.kvm_probe_timeout, systemd told the start may take
// that long). On a fallback, force_tcg is added to `config`'s libguestfs
// settings, so converter_accel() and every conversion after it use TCG.
HostAccel settle_host_accel(DaemonConfig& config, const std::filesystem::path& self_exe, spdlog::logger& log);
// The watcher of this process. In a cluster, a content dedup method (md5,
// xxh128) is left to the node that converts each job: a watcher computes
// only name_size keys, so no file is read by every watcher that sees it.
WatcherOptions watcher_options(const DaemonConfig& config);
// In a cluster with a content dedup method: the method the coordinator asks
// converting slots to hash with (nullopt: the watcher's keys are used).
std::optional<DedupMethod> dedup_on_converter(const DaemonConfig& config);

}  // namespace h2k
