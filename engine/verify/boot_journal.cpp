#include "engine/verify/boot_journal.hpp"

#include <guestfs.h>

#include <cstdint>
#include <limits>

#include "engine/core/error.hpp"
#include "engine/guest/guestfs_session.hpp"
#include "engine/guest/inspector.hpp"

namespace h2k {
namespace {

constexpr const char* kJournalDir = "/var/log/journal";
// A verification boot writes a few thousand entries; stop reading backwards
// long before a runaway boot could take minutes through the appliance.
constexpr int kMaxEntries = 50000;
constexpr std::size_t kTailMessages = 40;
// The guest's clock starts from the host's (qemu's RTC); allow for drift.
constexpr std::int64_t kClockSlackUs = 120LL * 1000 * 1000;

struct Entry {
  std::string boot_id;
  std::string message;
};

// The current journal entry's boot id and message ("" when absent).
Entry current_entry(guestfs_h* g) {
  Entry e;
  guestfs_xattr_list* fields = guestfs_journal_get(g);
  if (!fields) return e;
  for (std::uint32_t i = 0; i < fields->len; ++i) {
    const auto& f = fields->val[i];
    std::string name = f.attrname ? f.attrname : "";
    if (name == "_BOOT_ID") e.boot_id.assign(f.attrval, f.attrval_len);
    else if (name == "MESSAGE") e.message = clean_console_line(std::string_view(f.attrval, f.attrval_len));
  }
  guestfs_free_xattr_list(fields);
  return e;
}

JournalEvidence read_last_boot(GuestfsSession& s, std::int64_t boot_started_unix_us) {
  guestfs_h* g = s.handle();
  JournalEvidence out;
  if (guestfs_is_dir(g, kJournalDir) != 1) {
    out.status = "no_journal";
    out.detail = std::string("the guest keeps no persistent journal (") + kJournalDir + " is missing)";
    return out;
  }
  if (guestfs_journal_open(g, kJournalDir) == -1) {
    out.status = "unreadable";
    out.detail = "cannot open the guest's journal: " + s.last_error();
    return out;
  }
  // To the newest entry, then backwards through its boot. sd-journal refuses
  // skips above INT_MAX (ERANGE), so go in such steps.
  constexpr std::int64_t kMaxSkip = std::numeric_limits<int>::max();
  while (guestfs_journal_skip(g, kMaxSkip) == kMaxSkip) {
  }
  const std::int64_t newest_us = guestfs_journal_get_realtime_usec(g);
  Entry newest = current_entry(g);
  if (newest_us < 0 || newest.boot_id.empty()) {
    guestfs_journal_close(g);
    out.status = "no_journal";
    out.detail = std::string("the guest's journal in ") + kJournalDir + " is empty";
    return out;
  }
  if (newest_us < boot_started_unix_us - kClockSlackUs) {
    guestfs_journal_close(g);
    out.status = "not_this_boot";
    out.detail = "the newest journal entry is older than the verification boot: the guest never got far "
                 "enough to write its journal (or its clock runs on local time)";
    return out;
  }
  std::vector<std::string> messages{newest.message};  // newest first
  for (int n = 1; n < kMaxEntries && guestfs_journal_skip(g, -1) == 1; ++n) {
    Entry e = current_entry(g);
    if (e.boot_id != newest.boot_id) break;
    messages.push_back(std::move(e.message));
  }
  guestfs_journal_close(g);
  s.clear_last_error();
  ConsoleScan scan(kTailMessages);
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) scan.feed(*it + "\n");
  out.status = "read";
  out.evidence = scan.evidence();
  out.tail = scan.tail();
  if (out.evidence.signal == BootSignal::None)
    out.detail = "the guest's journal of this boot (" + std::to_string(messages.size()) +
                 " entries) has no line saying its default target was reached";
  return out;
}

}  // namespace

nlohmann::json to_json(const JournalEvidence& e) {
  return {{"status", e.status}, {"signal", to_string(e.evidence.signal)}, {"line", e.evidence.line},
          {"tail", e.tail},     {"detail", e.detail}};
}

JournalEvidence journal_evidence_from_json(const nlohmann::json& j) {
  JournalEvidence e;
  e.status = j.value("status", std::string("unreadable"));
  const std::string signal = j.value("signal", std::string("none"));
  e.evidence.signal = signal == "success" ? BootSignal::Success : signal == "fatal" ? BootSignal::Fatal : BootSignal::None;
  e.evidence.line = j.value("line", std::string());
  e.tail = j.value("tail", std::vector<std::string>{});
  e.detail = j.value("detail", std::string());
  return e;
}

JournalEvidence read_boot_journal(const std::vector<DiskForFix>& disks, const GuestfsSettings& settings,
                                  std::int64_t boot_started_unix_us) {
  GuestfsSession session(disks, settings);
  session.launch();
  JournalEvidence out;
  try {
    std::vector<std::string> warnings;
    GuestInspection inspection = inspect_and_mount(session, warnings);
    if (inspection.root.empty()) {
      out.status = "no_os";
      out.detail = "no operating system found on the disks";
      return out;
    }
    if (inspection.result.os_type == "windows") {
      out.status = "no_journal";
      out.detail = "a Windows guest keeps no journal to read: only a serial console could tell";
      return out;
    }
    char* groups[] = {const_cast<char*>("journal"), nullptr};
    if (guestfs_feature_available(session.handle(), groups) != 1) {
      out.status = "unreadable";
      out.detail = "this libguestfs cannot read systemd journals (feature 'journal' missing)";
      return out;
    }
    out = read_last_boot(session, boot_started_unix_us);
  } catch (const ConversionError& e) {
    out.status = "unreadable";
    out.detail = "cannot mount the guest's filesystems to read its journal: " + e.reason();
  }
  return out;
}

}  // namespace h2k
