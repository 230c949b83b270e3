#include "engine/guest/guest_fix_runner.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "engine/core/json_line.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/core/temp_file.hpp"
#include "engine/guest/guest_fix_launch_callback.hpp"

namespace h2k {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

json progress_to_json(const ProgressEvent& e) {
  return {{"event", "progress"}, {"phase", e.phase},     {"item", e.item},
          {"percent", e.percent}, {"message", e.message}};
}

ProgressEvent progress_from_json(const json& j) {
  ProgressEvent e;
  e.phase = j.value("phase", std::string("fix"));
  e.item = j.value("item", std::string());
  e.percent = j.value("percent", 0.0);
  e.message = j.value("message", std::string());
  return e;
}

}  // namespace

GuestFixReport run_guest_fix_isolated(const std::vector<DiskForFix>& disks, const GuestFixOptions& options,
                                      const ProgressSink& progress, const CancelToken& cancel,
                                      const std::filesystem::path& self_exe,
                                      std::optional<std::chrono::seconds> overall_timeout) {
  const std::string disk_name = disks.empty() ? std::string() : disks.front().path.string();
  json request = {{"disks", json::array()}, {"options", to_json(options)}};
  for (const auto& d : disks) request["disks"].push_back({{"path", d.path.string()}, {"format", d.format}});
  TempFile request_file("h2k-guest-fix-XXXXXX.json", 5, request.dump(2));

  bool launched = false;
  std::optional<GuestFixReport> report;
  std::optional<ConversionError> child_error;
  std::string protocol_problem;

  SubprocessOptions sp;
  sp.cancel = cancel;
  if (overall_timeout && overall_timeout->count() > 0) sp.timeout = *overall_timeout;
  sp.capture_stdout = false;
  sp.capture_limit = 64 * 1024;
  sp.on_stdout_line = [&](const std::string& line) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return;  // not protocol output (a library printing to stdout)
    std::string event = j.value("event", std::string());
    try {
      if (event == "launched") {
        launched = true;
      } else if (event == "progress") {
        if (progress) progress(progress_from_json(j));
      } else if (event == "result") {
        report = guest_fix_report_from_json(j.at("report"));
      } else if (event == "error") {
        child_error.emplace(error_kind_from_string(j.value("kind", std::string("internal"))),
                            j.value("file", disk_name), j.value("reason", std::string("unknown error")));
      }
    } catch (const std::exception& e) {
      protocol_problem = std::string("unreadable '") + event + "' message from the guest-fix child: " + e.what();
    }
  };
  const int launch_timeout = options.guestfs.launch_timeout_s;
  const auto start = Clock::now();
  sp.keep_running = [&] {
    if (launched || launch_timeout <= 0) return true;
    return Clock::now() - start < std::chrono::seconds(launch_timeout);
  };

  SubprocessResult r = run_subprocess({self_exe.string(), "__guest-fix", request_file.path().string()}, sp);

  if (r.cancelled) throw ConversionError(ErrorKind::Cancelled, disk_name, "guest fix cancelled");
  if (r.stopped_by_watchdog)
    throw ConversionError(ErrorKind::ApplianceLaunch, disk_name,
                          "appliance did not launch within " + std::to_string(launch_timeout) +
                              " s (is KVM broken? try backend_settings force_tcg)");
  if (r.timed_out)
    throw ConversionError(ErrorKind::Timeout, disk_name,
                          "guest fix did not finish within " + std::to_string(overall_timeout->count()) + " s");
  if (child_error) throw *child_error;
  if (report) {
    // The result is only sent after the appliance shut down cleanly, so the
    // disks are complete even if the child then died on its way out.
    if (r.exit_code != 0)
      report->warnings.push_back("the guest-fix child " + describe_exit(r) + " after reporting its result");
    return *report;
  }
  std::string tail = tail_lines(r.err, 15);
  std::string reason = "guest-fix child (" + self_exe.string() + ") " + describe_exit(r) + " without a result";
  if (!protocol_problem.empty()) reason += "; " + protocol_problem;
  reason += tail.empty() ? std::string("; it printed nothing on stderr") : "; stderr:\n" + tail;
  throw ConversionError(ErrorKind::Internal, disk_name, reason);
}

int guest_fix_child_main(const std::filesystem::path& request_json) {
  std::vector<DiskForFix> disks;
  GuestFixOptions options;
  try {
    json request = json::parse(read_text_file(request_json));
    for (const auto& d : request.at("disks")) disks.push_back({d.at("path").get<std::string>(), d.at("format").get<std::string>()});
    options = guest_fix_options_from_json(request.at("options"));
  } catch (const std::exception& e) {
    emit_json_line({{"event", "error"}, {"kind", to_string(ErrorKind::Internal)}, {"file", request_json.string()},
                    {"reason", std::string("unreadable guest-fix request: ") + e.what()}});
    return 2;
  }
  try {
    auto report = fix_guest_with_launch_callback(
        disks, options, [](const ProgressEvent& e) { emit_json_line(progress_to_json(e)); },
        [] { emit_json_line({{"event", "launched"}}); });
    emit_json_line({{"event", "result"}, {"report", to_json(report)}});
    return 0;
  } catch (const ConversionError& e) {
    emit_json_line({{"event", "error"}, {"kind", to_string(e.kind())}, {"file", e.file()}, {"reason", e.reason()}});
  } catch (const std::exception& e) {
    emit_json_line({{"event", "error"}, {"kind", to_string(ErrorKind::Internal)},
                    {"file", disks.empty() ? std::string() : disks.front().path.string()}, {"reason", e.what()}});
  }
  return 1;
}

}  // namespace h2k
