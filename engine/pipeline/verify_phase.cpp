#include "engine/pipeline/verify_phase.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "engine/core/error.hpp"

namespace h2k {
namespace {

constexpr std::uint64_t kMaxBootMemoryMib = 4096;
constexpr std::size_t kConsoleLinesInMessage = 3;

AccelChoice accel_choice(const ConvertRequest& request) {
  try {
    return accel_choice_from_string(request.verify_boot_accel);
  } catch (const std::invalid_argument& e) {
    throw ConversionError(ErrorKind::InvalidInput, request.source.string(), e.what());
  }
}

}  // namespace

BootVerifyRequest boot_request_for(const DomainSpec& domain, const ConvertRequest& request,
                                   const std::filesystem::path& staging_dir) {
  BootVerifyRequest r;
  r.subject = request.source.string();
  for (const auto& d : domain.disks) r.disks.push_back({staging_dir / d.path.filename(), d.format, d.bus});
  for (const auto& n : domain.nics) r.nics.push_back({n.mac, n.model});
  r.firmware = domain.firmware;
  r.memory_mib = std::min(domain.memory_mib, kMaxBootMemoryMib);
  const int host_cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  r.vcpus = std::clamp(domain.vcpus, 1, host_cpus);
  r.rtc_localtime = domain.os_family == "windows";   // as the domain's <clock offset>
  r.accel = accel_choice(request);
  r.timings.timeout = std::chrono::seconds(request.verify_boot_timeout_s);
  r.guestfs = request.guest.guestfs;
  r.self_exe = request.self_exe;
  r.qemu_img = request.copy.qemu_img;
  return r;
}

BootVerification verify_staged_boot(const DomainSpec& domain, const ConvertRequest& request,
                                    const std::filesystem::path& staging_dir, const ProgressSink& progress,
                                    const CancelToken& cancel) {
  BootVerification v = verify_boot(boot_request_for(domain, request, staging_dir), progress, cancel);
  if (v.status != "failed") return v;
  // The console, or for a guest silent there, its journal.
  const bool from_journal = v.console_tail.empty() && !v.journal_tail.empty();
  const auto& tail = from_journal ? v.journal_tail : v.console_tail;
  std::string reason = v.reason;
  if (!tail.empty()) {
    std::string last;
    for (std::size_t i = tail.size() - std::min(tail.size(), kConsoleLinesInMessage); i < tail.size(); ++i)
      last += (last.empty() ? "" : " | ") + tail[i];
    reason += (from_journal ? "; last journal messages: " : "; last console lines: ") + last;
  } else {
    reason += "; the serial console stayed empty";
  }
  throw ConversionError(ErrorKind::GuestFix, request.source.string(), reason).with_details(tail);
}

}  // namespace h2k
