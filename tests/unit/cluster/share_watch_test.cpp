// A node's view of its share (ShareWatch: one probe at a time, "not
// responding" past the timeout) and the marker it reads (share_marker: made
// once by the coordinator, read by every node), on real files.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "actors/cluster/share_marker.hpp"
#include "actors/cluster/share_watch.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
namespace fs = std::filesystem;

using h2k::test::ScratchDir;

BOOST_AUTO_TEST_SUITE(share_watch)

BOOST_AUTO_TEST_CASE(one_probe_at_a_time_and_nothing_to_report_before_the_first_answer) {
  ShareWatch w(5000);
  BOOST_TEST(!w.current(0).problem.empty(), "not checked yet is a problem: no job before the first read");
  const auto p1 = w.start(0);
  BOOST_TEST_REQUIRE(p1.has_value());
  BOOST_TEST(!w.start(100).has_value(), "a second probe while one is in flight");
  BOOST_TEST(w.next_probe() == *p1 + 1);
  w.answered(*p1, msg::share_view{"abc", ""});
  BOOST_TEST(w.current(200).problem.empty());
  BOOST_TEST(w.current(200).id == "abc");
  BOOST_TEST(w.last_answered() == *p1);
  BOOST_TEST(w.start(300).has_value());
}

BOOST_AUTO_TEST_CASE(a_probe_unanswered_past_the_timeout_is_a_hung_share_until_it_answers) {
  ShareWatch w(5000);
  w.answered(*w.start(0), msg::share_view{"abc", ""});
  const auto p = w.start(1000);
  BOOST_TEST(!w.overdue(5999));
  BOOST_TEST(w.current(5999).problem.empty(), "the last answer stands while the probe may still come");
  BOOST_TEST(w.overdue(6000));
  const auto hung = w.current(9000);
  BOOST_TEST(hung.problem.find("did not answer") != std::string::npos);
  BOOST_TEST(hung.problem.find("8 s") != std::string::npos);
  BOOST_TEST(!w.start(9000).has_value(), "no second read piles up behind a blocked one");
  w.answered(*p, msg::share_view{"abc", ""});  // the mount is back
  BOOST_TEST(!w.overdue(20000));
  BOOST_TEST(w.current(20000).problem.empty());
}

BOOST_AUTO_TEST_CASE(an_older_probes_late_answer_does_not_replace_a_newer_one) {
  ShareWatch w(5000);
  const auto p1 = *w.start(0);
  w.answered(p1, msg::share_view{"", "gone"});
  const auto p2 = *w.start(10);
  w.answered(p2, msg::share_view{"abc", ""});
  w.answered(p1, msg::share_view{"", "gone"});
  BOOST_TEST(w.current(20).problem.empty());
}

// A coordinator's intake: a watcher's report held for a read started after
// it, released only by an answer that finds the share usable, never while
// it stays unusable (a dropped report is not sent again).
BOOST_AUTO_TEST_CASE(held_reports_go_out_only_after_a_later_read_found_the_share_usable) {
  ShareWatch w(5000);
  IntakeAwaitingShare intake;
  const auto p1 = *w.start(0);
  msg::vm_found a;
  a.sources = {"a.ova"};
  intake.hold(a, w);  // while p1 is out: p1 may have read before the change
  BOOST_TEST(intake.needs_probe(w), "held after the read in flight started: needs the next one");
  w.answered(p1, msg::share_view{"abc", ""});
  BOOST_TEST(intake.take_released(w, true).empty(), "p1 started before the report");
  const auto p2 = *w.start(10);
  BOOST_TEST(!intake.needs_probe(w), "p2 is out and covers it");
  msg::watch_problem b;
  b.file = "b.vmdk";
  intake.hold(b, w);
  w.answered(p2, msg::share_view{"", "/mnt/h2k/.hyper2kvm-share is missing"});
  BOOST_TEST(intake.take_released(w, false).empty(), "nothing goes while the share is unusable");
  BOOST_TEST(intake.size() == 2u);
  const auto p3 = *w.start(20);
  w.answered(p3, msg::share_view{"abc", ""});
  BOOST_TEST(!intake.needs_probe(w));
  auto out = intake.take_released(w, true);
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(std::get<msg::vm_found>(out[0]).sources.front() == "a.ova", "in the order they came");
  BOOST_TEST(std::get<msg::watch_problem>(out[1]).file == "b.vmdk");
  BOOST_TEST(intake.empty());
}

BOOST_AUTO_TEST_CASE(the_coordinator_makes_the_marker_once_and_every_reader_sees_its_id) {
  ScratchDir share("share");
  bool created = false;
  const std::string id = ensure_share_marker(share.path(), &created);
  BOOST_TEST(id.size() == 32u);
  BOOST_TEST(created);
  BOOST_TEST(ensure_share_marker(share.path(), &created) == id, "a restarted coordinator keeps the share's id");
  BOOST_TEST(!created);
  const auto seen = read_share_marker(share.path());
  BOOST_TEST(seen.problem.empty());
  BOOST_TEST(seen.id == id);
  // Nothing else is left in the share (no temporary file).
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(share.path())) ++entries;
  BOOST_TEST(entries == 1u);
}

// A restarted coordinator whose state remembers the share: an unmounted
// share (an empty mount point) or another share stops it, naming the marker;
// it never writes a marker of its own there.
BOOST_AUTO_TEST_CASE(a_coordinator_that_remembers_its_share_refuses_a_share_root_without_its_id) {
  ScratchDir share("share");
  bool created = false;
  const std::string id = open_coordinator_share(share.path(), "", &created);
  BOOST_TEST(created, "the first start makes the marker");
  BOOST_TEST(open_coordinator_share(share.path(), id, &created) == id);
  BOOST_TEST(!created);

  ScratchDir empty_mount_point("unmounted");
  const std::string marker = (empty_mount_point.path() / ".hyper2kvm-share").string();
  try {
    open_coordinator_share(empty_mount_point.path(), id, &created);
    BOOST_FAIL("a share_root without the marker was accepted");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find(marker + " is missing") != std::string::npos, what);
    BOOST_TEST(what.find("belongs to share " + id) != std::string::npos, what);
    BOOST_TEST(what.find("mount the share") != std::string::npos, what);
  }
  BOOST_TEST(!fs::exists(marker), "no marker of its own written into the empty mount point");

  std::ofstream(marker) << "0123456789abcdef\n";
  try {
    open_coordinator_share(empty_mount_point.path(), id, &created);
    BOOST_FAIL("another share's marker was accepted");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("holds share id 0123456789abcdef") != std::string::npos, what);
    BOOST_TEST(what.find("another share is mounted") != std::string::npos, what);
  }
}

BOOST_AUTO_TEST_CASE(an_unmounted_share_a_missing_folder_and_an_empty_marker_are_problems_naming_the_path) {
  ScratchDir share("share");
  const auto unmounted = read_share_marker(share.path());
  BOOST_TEST(unmounted.id.empty());
  BOOST_TEST(unmounted.problem.find((share.path() / ".hyper2kvm-share").string()) != std::string::npos);
  BOOST_TEST(unmounted.problem.find("not mounted") != std::string::npos);

  const auto absent = read_share_marker(share.path() / "nowhere");
  BOOST_TEST(absent.problem.find("nowhere") != std::string::npos);
  BOOST_TEST(absent.problem.find("cluster.share_root") != std::string::npos);

  std::ofstream(share.path() / ".hyper2kvm-share") << "\n";
  BOOST_TEST(read_share_marker(share.path()).problem.find("is empty") != std::string::npos);
  BOOST_CHECK_THROW(ensure_share_marker(share.path()), std::runtime_error);  // not replaced: the operator decides
}

BOOST_AUTO_TEST_CASE(a_share_the_coordinator_cannot_write_stops_it_with_the_path) {
  if (::geteuid() == 0) {
    // root writes through permissions: a path under a regular file instead.
    ScratchDir share("share");
    std::ofstream(share.path() / "file") << "x";
    try {
      ensure_share_marker(share.path() / "file");
      BOOST_FAIL("no error");
    } catch (const std::runtime_error& e) {
      BOOST_TEST(std::string(e.what()).find("cluster.share_root " + (share.path() / "file").string()) !=
                 std::string::npos);
    }
    return;
  }
  ScratchDir share("share");
  fs::permissions(share.path(), fs::perms::owner_read | fs::perms::owner_exec);
  BOOST_CHECK_THROW(ensure_share_marker(share.path()), std::runtime_error);
  fs::permissions(share.path(), fs::perms::owner_all);
}

BOOST_AUTO_TEST_SUITE_END()
