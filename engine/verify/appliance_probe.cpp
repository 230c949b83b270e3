#include "engine/verify/appliance_probe.hpp"

#include <cstdio>
#include <iomanip>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "engine/core/json_line.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/core/temp_file.hpp"
#include "engine/guest/guestfs_session.hpp"

namespace h2k {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string one_decimal(double seconds) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << seconds;
  return out.str();
}

}  // namespace

ApplianceLaunchTiming time_appliance_launch(const GuestfsSettings& settings, const std::filesystem::path& self_exe,
                                            std::chrono::seconds timeout) {
  GuestFixOptions options;  // its JSON form carries the libguestfs settings
  options.guestfs = settings;
  // The scratch disk is ours, not the child's: a child killed at the
  // deadline leaves nothing behind.
  TempFile scratch("h2k-appliance-probe-XXXXXX.img", 4, "");
  std::filesystem::resize_file(scratch.path(), 1 << 20);
  TempFile request("h2k-appliance-probe-XXXXXX.json", 5,
                   json{{"options", to_json(options)}, {"disk", scratch.path().string()}}.dump(2));

  ApplianceLaunchTiming timing;
  std::optional<std::string> child_error;
  SubprocessOptions sp;
  sp.timeout = timeout;
  sp.capture_stdout = false;
  sp.capture_limit = 16 * 1024;
  sp.on_stdout_line = [&](const std::string& line) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return;
    if (j.value("event", std::string()) == "launched") {
      timing.launched = true;
      timing.seconds = j.value("seconds", 0.0);
    } else if (j.value("event", std::string()) == "error") {
      child_error = j.value("reason", std::string("unknown error"));
    }
  };
  const auto start = Clock::now();
  SubprocessResult r = run_subprocess({self_exe.string(), "__appliance-probe", request.path().string()}, sp);
  if (timing.launched) return timing;
  timing.seconds = seconds_since(start);
  if (r.timed_out)
    timing.problem = "no appliance within " + std::to_string(timeout.count()) + " s (a hung KVM guest: nested KVM?)";
  else if (child_error)
    timing.problem = "failed: " + *child_error;
  else
    timing.problem = "failed: " + self_exe.string() + " __appliance-probe " + describe_exit(r) +
                     (r.err.empty() ? std::string() : ": " + tail_lines(r.err, 5));
  return timing;
}

int appliance_probe_child_main(const std::filesystem::path& request_json) {
  GuestfsSettings settings;
  std::filesystem::path disk;
  try {
    const json request = json::parse(read_text_file(request_json));
    settings = guest_fix_options_from_json(request.at("options")).guestfs;
    disk = request.at("disk").get<std::string>();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unreadable appliance probe request %s: %s\n", request_json.c_str(), e.what());
    return 2;
  }
  try {
    // libguestfs needs a disk to launch; an empty sparse one is enough.
    GuestfsSession session({{disk, "raw"}}, settings);
    const auto start = Clock::now();
    session.launch();
    const double seconds = seconds_since(start);
    session.shutdown();
    emit_json_line({{"event", "launched"}, {"seconds", seconds}});
    return 0;
  } catch (const std::exception& e) {
    emit_json_line({{"event", "error"}, {"reason", e.what()}});
    return 1;
  }
}

HostAccel decide_host_accel(AccelChoice choice, const std::string& backend_settings, bool kvm_is_usable,
                            std::chrono::seconds probe_timeout,
                            const std::function<ApplianceLaunchTiming()>& launch_with_kvm) {
  HostAccel host;
  host.backend_settings = backend_settings;
  host.accel = choose_accel(choice, backend_settings, kvm_is_usable);
  if (choice != AccelChoice::Auto) {
    host.why = std::string("conversion.verify_boot_accel: ") + to_string(choice);
    return host;
  }
  if (host.accel == Accel::Tcg) {
    host.why = kvm_is_usable ? "conversion.libguestfs.backend_settings has force_tcg"
                             : "/dev/kvm is missing or does not answer";
    return host;
  }
  if (probe_timeout.count() <= 0) {
    host.why = "/dev/kvm answers (conversion.libguestfs.kvm_probe_timeout: 0, no launch timed)";
    return host;
  }
  const ApplianceLaunchTiming timing = launch_with_kvm();
  if (timing.launched) {
    host.why = "an appliance launched with KVM in " + one_decimal(timing.seconds) + " s";
    return host;
  }
  host.accel = Accel::Tcg;
  host.fell_back = true;
  host.backend_settings = backend_settings.empty() ? "force_tcg" : backend_settings + ",force_tcg";
  host.why = "an appliance launch with KVM " + timing.problem + "; falling back to TCG";
  return host;
}

}  // namespace h2k
