// The verdict from what a verification boot observed: every combination of
// console evidence, journal evidence and how the boot ended.
#include <boost/test/unit_test.hpp>

#include "engine/verify/boot_verdict.hpp"

using namespace h2k;

namespace {

BootObservation observed(BootSignal console, bool silent, BootStop stop) {
  BootObservation o;
  o.console = {console, console == BootSignal::None ? "" : "the line"};
  o.console_silent = silent;
  o.stop = stop;
  o.seconds = 95.4;
  o.timeout_s = 300;
  o.where = "on virtio (TCG)";
  return o;
}

JournalEvidence journal(const std::string& status, BootSignal signal = BootSignal::None) {
  JournalEvidence j;
  j.status = status;
  j.evidence = {signal, signal == BootSignal::None ? "" : "Reached target multi-user.target - Multi-User System."};
  j.detail = status == "no_journal" ? "the guest keeps no persistent journal (/var/log/journal is missing)" : "";
  return j;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(boot_verdict)

BOOST_AUTO_TEST_CASE(console_evidence_decides_without_the_journal) {
  auto o = observed(BootSignal::Success, false, BootStop::ConsoleEvidence);
  BOOST_TEST(!journal_needed(o));
  auto v = decide_boot(o);
  BOOST_TEST(v.status == "passed");
  BOOST_TEST(v.evidence == "serial");
  BOOST_TEST(v.evidence_line == "the line");
  BOOST_TEST(v.reason == "the converted guest booted on virtio (TCG) in 95 s (serial: the line)");

  o = observed(BootSignal::Fatal, false, BootStop::ConsoleEvidence);
  v = decide_boot(o);
  BOOST_TEST(v.status == "failed");
  BOOST_TEST(v.evidence == "serial");
  BOOST_TEST(v.reason == "the converted guest failed to boot on virtio (TCG): the line");
  o.console.line = "Gave up waiting for root file system device.  Common problems:";
  BOOST_TEST(decide_boot(o).reason ==
             "the converted guest failed to boot on virtio (TCG): Gave up waiting for root file system device.  Common problems");
  BOOST_TEST(decide_boot(o).evidence_line == o.console.line);  // quoted as it was
}

BOOST_AUTO_TEST_CASE(an_undecided_console_needs_the_journal) {
  BOOST_TEST(journal_needed(observed(BootSignal::None, true, BootStop::SilentIdle)));
  BOOST_TEST(journal_needed(observed(BootSignal::None, false, BootStop::Timeout)));
  BOOST_TEST(journal_needed(observed(BootSignal::None, false, BootStop::Running)));
}

BOOST_AUTO_TEST_CASE(journal_evidence_decides_for_a_silent_console) {
  for (auto stop : {BootStop::SilentIdle, BootStop::Timeout, BootStop::Running}) {
    auto o = observed(BootSignal::None, true, stop);
    o.journal = journal("read", BootSignal::Success);
    auto v = decide_boot(o);
    BOOST_TEST(v.status == "passed");
    BOOST_TEST(v.evidence == "journal");
    BOOST_TEST(v.evidence_line == "Reached target multi-user.target - Multi-User System.");
    o.journal = journal("read", BootSignal::Fatal);
    BOOST_TEST(decide_boot(o).status == "failed");
    BOOST_TEST(decide_boot(o).reason.find("(from its journal)") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_journal_without_the_target_fails_unless_the_guest_was_only_idle) {
  auto o = observed(BootSignal::None, true, BootStop::Timeout);
  o.journal = journal("read");
  BOOST_TEST(decide_boot(o).status == "failed");
  BOOST_TEST(decide_boot(o).reason ==
             "the converted guest did not reach its default target within 300 s on virtio (TCG) (its journal says so)");
  o.stop = BootStop::Running;  // it powered off by itself
  BOOST_TEST(decide_boot(o).status == "failed");
  BOOST_TEST(decide_boot(o).reason.find("powered off after 95 s") != std::string::npos);
  o.stop = BootStop::SilentIdle;  // stopped by us while idle: it might have got there later
  BOOST_TEST(decide_boot(o).status == "inconclusive");
  BOOST_TEST(decide_boot(o).evidence == "none");
}

BOOST_AUTO_TEST_CASE(a_journal_never_written_in_this_boot_fails) {
  auto o = observed(BootSignal::None, true, BootStop::SilentIdle);
  o.journal = journal("not_this_boot");
  auto v = decide_boot(o);
  BOOST_TEST(v.status == "failed");
  BOOST_TEST(v.evidence == "journal");
  BOOST_TEST(v.reason.find("never wrote to its journal") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_journal_a_speaking_console_that_never_got_there_fails) {
  for (const char* status : {"no_journal", "unreadable", "no_os"}) {
    auto o = observed(BootSignal::None, false, BootStop::Timeout);
    o.journal = journal(status);
    BOOST_TEST(decide_boot(o).status == "failed", status);
    BOOST_TEST(decide_boot(o).reason == "the converted guest did not reach its default target within 300 s on virtio (TCG)");
    o.stop = BootStop::Running;
    BOOST_TEST(decide_boot(o).status == "failed", status);
  }
}

BOOST_AUTO_TEST_CASE(no_journal_and_a_silent_console_is_inconclusive) {
  for (auto stop : {BootStop::SilentIdle, BootStop::Timeout, BootStop::Running}) {
    auto o = observed(BootSignal::None, true, stop);
    o.journal = journal("no_journal");
    auto v = decide_boot(o);
    BOOST_TEST(v.status == "inconclusive");
    BOOST_TEST(v.evidence == "none");
    BOOST_TEST(v.reason == "no evidence of how the boot went on virtio (TCG): the guest shows nothing on its serial "
                           "console, and the guest keeps no persistent journal (/var/log/journal is missing)");
  }
}

BOOST_AUTO_TEST_SUITE_END()
