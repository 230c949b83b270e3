#pragma once
// The verdict of a verification boot from what was observed: the console's
// evidence first; when it has none, the guest's journal, weighed by how the
// boot ended. Pure, so every combination is unit-tested.
//   passed        the guest reached its default target (or a login prompt);
//   failed        it showed a fatal state, or did not get there in time;
//   inconclusive  nothing can tell (no serial console and no persistent
//                 journal, or it went idle before its target and was stopped):
//                 the conversion goes on, with a warning.
#include <optional>
#include <string>

#include "engine/verify/boot_evidence.hpp"
#include "engine/verify/boot_journal.hpp"
#include "engine/verify/boot_watch.hpp"

namespace h2k {

struct BootObservation {
  BootEvidence console;                  // first decisive console line (None: undecided)
  bool console_silent = false;           // the OS never spoke on the serial console
  BootStop stop = BootStop::Running;     // why qemu was stopped; Running: the guest ended it (power-off)
  std::optional<JournalEvidence> journal;
  double seconds = 0;                    // boot time until the decision
  int timeout_s = 300;
  std::string where;                     // "on virtio (TCG)", for messages
};

struct BootVerdict {
  std::string status;                    // "passed", "failed", "inconclusive"
  std::string evidence = "none";         // "serial", "journal", "none"
  std::string evidence_line;             // the line that decided it
  std::string reason;                    // one sentence for reports and errors
};

// Whether the journal must be read: the console did not decide.
bool journal_needed(const BootObservation& o);

BootVerdict decide_boot(const BootObservation& o);

}  // namespace h2k
