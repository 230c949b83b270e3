#pragma once
// Evidence from the guest's own journal, for guests whose console is not on
// the serial port: after the verification boot powered off, the overlays are
// opened with libguestfs, the guest's filesystems mounted as its fstab says
// (a separate /var included) and the LAST boot in /var/log/journal read for
// the line that says the default target was reached. Only a persistent
// journal can tell: one kept in /run died with the guest.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/progress.hpp"
#include "engine/guest/guest_fix.hpp"   // DiskForFix, GuestfsSettings
#include "engine/verify/boot_evidence.hpp"

namespace h2k {

struct JournalEvidence {
  // "read": the last boot was this one and was classified (see `evidence`);
  // "no_journal": no persistent journal; "not_this_boot": the newest entry is
  // older than the verification boot (it never got as far as writing it);
  // "no_os": no operating system found; "unreadable": libguestfs failed.
  std::string status = "unreadable";
  BootEvidence evidence;
  std::vector<std::string> tail;   // the last messages of that boot
  std::string detail;              // why there is no evidence, for the report
};

nlohmann::json to_json(const JournalEvidence& e);
JournalEvidence journal_evidence_from_json(const nlohmann::json& j);

// In this process. `boot_started_unix_us` is when the verification boot
// began (host clock; the guest's clock starts from it): an older newest entry
// belongs to an earlier boot of the source VM. Never throws for what it finds
// in the guest; throws ConversionError(ApplianceLaunch) when the appliance
// does not start.
JournalEvidence read_boot_journal(const std::vector<DiskForFix>& disks, const GuestfsSettings& settings,
                                  std::int64_t boot_started_unix_us);

// The same in a child process (`<self_exe> __boot-journal <request.json>`),
// killed at `timeout` or on cancel, so a hung appliance cannot hang the
// conversion. A failed or killed child gives status "unreadable". With an
// empty `self_exe` it runs in this process.
JournalEvidence read_boot_journal_isolated(const std::vector<DiskForFix>& disks, const GuestfsSettings& settings,
                                           std::int64_t boot_started_unix_us, const std::filesystem::path& self_exe,
                                           std::chrono::seconds timeout, const CancelToken& cancel);

// The child side: reads the request, prints {"event":"result","journal":{...}}
// on stdout. Returns the exit code (0 result printed, 2 unreadable request).
int boot_journal_child_main(const std::filesystem::path& request_json);

}  // namespace h2k
