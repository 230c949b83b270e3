#include "engine/copy/qemu_img_check.hpp"

#include <nlohmann/json.hpp>

#include "engine/copy/qemu_img_message.hpp"
#include "engine/core/subprocess.hpp"

namespace h2k::qemu_img {
namespace {

constexpr int kCheckNotSupported = 63;

std::uint64_t count(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_number_unsigned()) ? it->get<std::uint64_t>() : 0;
}

}  // namespace

CheckReport run_check(const std::string& qemu_img, const std::vector<std::string>& image_args,
                      const std::string& spec, const std::string& display, const CancelToken& cancel) {
  std::vector<std::string> argv{qemu_img, "check", "--output=json"};
  argv.insert(argv.end(), image_args.begin(), image_args.end());
  SubprocessOptions options;
  options.cancel = cancel;
  // A damaged image can make check print one ERROR line per cluster; the
  // first line is found by the callback, the captured tail stays bounded.
  options.capture_limit = 64 * 1024;
  std::string first_error_line;
  options.on_stderr_line = [&](const std::string& line) {
    if (first_error_line.empty() && line.rfind("ERROR", 0) == 0) first_error_line = line;
  };
  SubprocessResult r = run_subprocess(argv, options);

  CheckReport report;
  report.exit_code = r.exit_code;
  report.cancelled = r.cancelled;
  if (r.cancelled) return report;
  if (r.exit_code == kCheckNotSupported) {
    report.supported = false;
    return report;
  }
  report.first_error = first_error_line.empty() ? first_message(r.err, spec, display)
                                                : first_check_error(first_error_line, spec, display);
  // JSON is printed whenever the check ran to the end (exit 0, 2, 3); with
  // exit 1 it may be absent and the counts stay 0.
  auto parsed = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    report.corruptions = count(parsed, "corruptions");
    report.leaks = count(parsed, "leaks");
    report.check_errors = count(parsed, "check-errors");
  }
  return report;
}

}  // namespace h2k::qemu_img
