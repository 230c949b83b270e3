// read_boot_journal in a child process (`hyper2kvm __boot-journal REQ.json`),
// like the guest fix: libguestfs' appliance can hang where KVM is broken, and
// a hung child can always be killed.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "engine/core/json_line.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/core/temp_file.hpp"
#include "engine/verify/boot_journal.hpp"

namespace h2k {
namespace {

using nlohmann::json;

JournalEvidence unreadable(const std::string& detail) {
  JournalEvidence e;
  e.status = "unreadable";
  e.detail = detail;
  return e;
}

}  // namespace

JournalEvidence read_boot_journal_isolated(const std::vector<DiskForFix>& disks, const GuestfsSettings& settings,
                                           std::int64_t boot_started_unix_us, const std::filesystem::path& self_exe,
                                           std::chrono::seconds timeout, const CancelToken& cancel) {
  if (self_exe.empty()) {
    try {
      return read_boot_journal(disks, settings, boot_started_unix_us);
    } catch (const ConversionError& e) {
      return unreadable(e.reason());
    }
  }
  GuestFixOptions options;  // its JSON form carries the libguestfs settings
  options.guestfs = settings;
  json request = {{"disks", json::array()}, {"options", to_json(options)}, {"boot_started_unix_us", boot_started_unix_us}};
  for (const auto& d : disks) request["disks"].push_back({{"path", d.path.string()}, {"format", d.format}});
  TempFile file("h2k-boot-journal-XXXXXX.json", 5, request.dump(2));

  std::optional<JournalEvidence> result;
  SubprocessOptions sp;
  sp.cancel = cancel;
  sp.timeout = timeout;
  sp.capture_stdout = false;
  sp.capture_limit = 16 * 1024;
  sp.on_stdout_line = [&](const std::string& line) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.value("event", std::string()) == "result" && j.contains("journal"))
      result = journal_evidence_from_json(j["journal"]);
  };
  SubprocessResult r = run_subprocess({self_exe.string(), "__boot-journal", file.path().string()}, sp);
  if (r.cancelled) throw ConversionError(ErrorKind::Cancelled, disks.empty() ? "" : disks.front().path.string(),
                                         "verification boot cancelled");
  if (r.timed_out)
    return unreadable("reading the guest's journal did not finish within " + std::to_string(timeout.count()) + " s");
  if (result) return *result;
  std::string tail = tail_lines(r.err, 5);
  return unreadable("the journal reader (" + self_exe.string() + " __boot-journal) " + describe_exit(r) +
                    " without a result" + (tail.empty() ? std::string() : ": " + tail));
}

int boot_journal_child_main(const std::filesystem::path& request_json) {
  std::vector<DiskForFix> disks;
  GuestfsSettings settings;
  std::int64_t started = 0;
  try {
    json request = json::parse(read_text_file(request_json));
    for (const auto& d : request.at("disks")) disks.push_back({d.at("path").get<std::string>(), d.at("format").get<std::string>()});
    settings = guest_fix_options_from_json(request.at("options")).guestfs;
    started = request.at("boot_started_unix_us").get<std::int64_t>();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unreadable journal request %s: %s\n", request_json.c_str(), e.what());
    return 2;
  }
  JournalEvidence evidence;
  try {
    evidence = read_boot_journal(disks, settings, started);
  } catch (const ConversionError& e) {
    evidence = unreadable(e.reason());
  } catch (const std::exception& e) {
    evidence = unreadable(e.what());
  }
  emit_json_line({{"event", "result"}, {"journal", to_json(evidence)}});
  return 0;
}

}  // namespace h2k
