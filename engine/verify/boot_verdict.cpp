#include "engine/verify/boot_verdict.hpp"

#include <cmath>

namespace h2k {
namespace {

std::string secs(double s) { return std::to_string(static_cast<long long>(std::llround(s))) + " s"; }

BootVerdict from_evidence(const BootEvidence& e, const std::string& source, const BootObservation& o) {
  // Quoted inside a sentence: without a dangling "Common problems:".
  std::string line = e.line;
  while (!line.empty() && (line.back() == ':' || line.back() == ' ')) line.pop_back();
  BootVerdict v;
  v.evidence = source;
  v.evidence_line = e.line;
  if (e.signal == BootSignal::Success) {
    v.status = "passed";
    v.reason = "the converted guest booted " + o.where + " in " + secs(o.seconds) + " (" + source + ": " + line + ")";
  } else {
    v.status = "failed";
    v.reason = "the converted guest failed to boot " + o.where + ": " + line + (source == "journal" ? " (from its journal)" : "");
  }
  return v;
}

}  // namespace

bool journal_needed(const BootObservation& o) { return o.console.signal == BootSignal::None; }

BootVerdict decide_boot(const BootObservation& o) {
  if (o.console.signal != BootSignal::None) return from_evidence(o.console, "serial", o);

  const std::string not_reached_in_time = "the converted guest did not reach its default target within " +
                                          std::to_string(o.timeout_s) + " s " + o.where;
  const std::string powered_off_early = "the converted guest powered off after " + secs(o.seconds) + " " + o.where +
                                        " without reaching its default target";
  BootVerdict v;
  const JournalEvidence* j = o.journal ? &*o.journal : nullptr;
  if (j && j->status == "read") {
    if (j->evidence.signal != BootSignal::None) return from_evidence(j->evidence, "journal", o);
    v.evidence = "journal";
    switch (o.stop) {
      case BootStop::Timeout: v.status = "failed"; v.reason = not_reached_in_time + " (its journal says so)"; break;
      case BootStop::Running: v.status = "failed"; v.reason = powered_off_early + " (its journal says so)"; break;
      default:
        // It went quiet before its target; it might have got there later.
        v.status = "inconclusive";
        v.evidence = "none";
        v.reason = "the converted guest had not reached its default target after " + secs(o.seconds) + " " + o.where +
                   " and was idle, so it was stopped; its journal does not say more";
    }
    return v;
  }
  if (j && j->status == "not_this_boot") {
    // Root never mounted read-write (or the guest keeps its clock in local time).
    v.status = "failed";
    v.evidence = "journal";
    v.reason = "the converted guest never wrote to its journal in " + secs(o.seconds) + " " + o.where +
               ": it did not get as far as mounting its root filesystem";
    return v;
  }
  // No journal evidence. A console that showed the OS booting is a console
  // the guest uses: its silence about the target means it was not reached.
  if (!o.console_silent && o.stop == BootStop::Timeout) {
    v.status = "failed";
    v.reason = not_reached_in_time;
    return v;
  }
  if (!o.console_silent && o.stop == BootStop::Running) {
    v.status = "failed";
    v.reason = powered_off_early;
    return v;
  }
  v.status = "inconclusive";
  v.reason = "no evidence of how the boot went " + o.where + ": the guest shows nothing on its serial console";
  if (j && !j->detail.empty()) v.reason += ", and " + j->detail;
  return v;
}

}  // namespace h2k
