// When a single file is taken: only once complete (size and mtime unchanged
// over 3 checks 1 s apart), exactly once, again only when it is replaced.
#include <unistd.h>

#include "tests/unit/watcher/watcher_test_support.hpp"

using namespace h2k;
using namespace h2k::watcher_test;

BOOST_AUTO_TEST_SUITE(watcher_stability)

BOOST_AUTO_TEST_CASE(file_is_ready_only_after_three_equal_checks_a_second_apart) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  make_ova(dir / "web01.ova");

  BOOST_TEST(tracker.scan(0).ready.empty());
  BOOST_TEST(tracker.scan(500).ready.empty());   // too soon to count as a check
  BOOST_TEST(tracker.scan(1000).ready.empty());  // 2nd check
  auto early = tracker.scan(1500);
  BOOST_TEST(early.ready.empty());
  BOOST_TEST(early.pending, "a settling file asks for another scan");
  auto r = tracker.scan(2000);  // 3rd equal check
  BOOST_TEST_REQUIRE(r.ready.size() == 1u);
  BOOST_TEST(source_names(r.ready[0]) == std::vector<std::string>{"web01.ova"});
  BOOST_TEST(r.ready[0].file_type == "ova");
  BOOST_TEST(r.ready[0].total_bytes == fs::file_size(dir / "web01.ova"));
  BOOST_TEST(r.problems.empty());
  BOOST_TEST(!r.pending);
}

BOOST_AUTO_TEST_CASE(growing_file_is_not_ready_until_it_stops) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  write_file(dir / "big.ova", std::string(4096, 'a'));
  for (std::int64_t t = 0; t <= 5000; t += 1000) {
    auto r = tracker.scan(t);
    BOOST_TEST(r.ready.empty(), "taken while still growing at t=" << t);
    BOOST_TEST(r.pending);
    append(dir / "big.ova", std::string(4096, 'b'));
  }
  BOOST_TEST(tracker.scan(6000).ready.empty());  // first look at the final size
  BOOST_TEST(tracker.scan(7000).ready.empty());
  auto r = tracker.scan(8000);
  BOOST_TEST_REQUIRE(r.ready.size() == 1u);
  BOOST_TEST(r.ready[0].total_bytes == 7u * 4096);
}

BOOST_AUTO_TEST_CASE(file_changing_past_the_timeout_is_reported_once_then_taken_when_it_settles) {
  ScratchDir dir("watch");
  auto s = settings_for(dir.path());
  s.file_stable_timeout = std::chrono::milliseconds(5000);
  WatchTracker tracker(s);
  write_file(dir / "slow.ova", "x");
  Scans growing;
  for (std::int64_t t = 0; t <= 12000; t += 1000) {
    auto r = tracker.scan(t);
    growing.ready.insert(growing.ready.end(), r.ready.begin(), r.ready.end());
    growing.problems.insert(growing.problems.end(), r.problems.begin(), r.problems.end());
    append(dir / "slow.ova", "more");
  }
  BOOST_TEST(growing.ready.empty());
  BOOST_TEST_REQUIRE(growing.problems.size() == 1u, "one report, not one per scan");
  const WatchProblem& p = growing.problems[0];
  BOOST_TEST(p.file == fs::path("slow.ova"));
  BOOST_TEST(p.kind == ErrorKind::Timeout);
  BOOST_TEST(!p.permanent, "still watched");
  BOOST_TEST(mentions(p.reason, "slow.ova"));
  BOOST_TEST(mentions(p.reason, "still changing"));

  auto settled = scan_range(tracker, 13000, 16000);
  BOOST_TEST_REQUIRE(settled.ready.size() == 1u);
  BOOST_TEST(source_names(settled.ready[0]) == std::vector<std::string>{"slow.ova"});
  BOOST_TEST(settled.problems.empty());
}

BOOST_AUTO_TEST_CASE(dotfiles_and_files_still_being_copied_are_ignored) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  for (const char* name : {".hidden.ova", "web01.vmdk.part", "web02.ova.tmp", "web03.qcow2.partial",
                           ".web04.vmdk.swp", "web05.vmdk.swp", "web06.ova~", "WEB07.OVA.PART"})
    write_file(dir / name, std::string(1024, 'x'));
  auto all = scan_range(tracker, 0, 60000);
  BOOST_TEST(all.ready.empty());
  BOOST_TEST(all.problems.empty());
  BOOST_TEST(!all.pending_at_end);
  BOOST_TEST(tracker.tracked() == 0u);
}

BOOST_AUTO_TEST_CASE(copy_renamed_from_part_to_its_real_name_is_picked_up) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  make_ova(dir / "web01.ova.part");
  BOOST_TEST(scan_range(tracker, 0, 5000).ready.empty());
  fs::rename(dir / "web01.ova.part", dir / "web01.ova");
  auto r = scan_range(tracker, 6000, 8000);
  BOOST_TEST_REQUIRE(r.ready.size() == 1u);
  BOOST_TEST(source_names(r.ready[0]) == std::vector<std::string>{"web01.ova"});
}

BOOST_AUTO_TEST_CASE(files_present_at_start_up_are_picked_up) {
  ScratchDir dir("watch");
  make_ova(dir / "a.ova");
  make_ova(dir / "b.ova", "other\n");
  qemu_create(dir / "c.qcow2", "qcow2", "1M");
  WatchTracker tracker(settings_for(dir.path()));  // created after the files
  auto first = scan_range(tracker, 0, 2000);
  BOOST_TEST_REQUIRE(first.ready.size() == 2u);
  BOOST_TEST(source_names(first.ready[0]) == std::vector<std::string>{"a.ova"});
  BOOST_TEST(source_names(first.ready[1]) == std::vector<std::string>{"b.ova"});
  // A bare disk waits for the orphan grace (10 s after it is stable).
  auto later = scan_range(tracker, 3000, 12000);
  BOOST_TEST_REQUIRE(later.ready.size() == 1u);
  BOOST_TEST(source_names(later.ready[0]) == std::vector<std::string>{"c.qcow2"});
  BOOST_TEST(later.ready[0].file_type == "qcow2");
}

BOOST_AUTO_TEST_CASE(ready_file_is_returned_once_while_it_stays) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  make_ova(dir / "web01.ova");
  BOOST_TEST(scan_range(tracker, 0, 2000).ready.size() == 1u);
  auto after = scan_range(tracker, 3000, 120000, 500);
  BOOST_TEST(after.ready.empty());
  BOOST_TEST(after.problems.empty());
  BOOST_TEST(!after.pending_at_end, "nothing left to settle");
  BOOST_TEST(tracker.tracked() == 1u);
}

BOOST_AUTO_TEST_CASE(replaced_file_becomes_new_again) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  write_file(dir / "web01.ova", std::string(1000, 'a'));
  BOOST_TEST(scan_range(tracker, 0, 2000).ready.size() == 1u);

  // Another file of the same name, a new size.
  write_file(dir / "web01.ova", std::string(2000, 'b'));
  auto second = scan_range(tracker, 3000, 6000);
  BOOST_TEST_REQUIRE(second.ready.size() == 1u);
  BOOST_TEST(second.ready[0].total_bytes == 2000u);

  // Same size, renamed over the old one (a new inode): new as well.
  write_file(dir / "next.ova.part", std::string(2000, 'c'));
  fs::rename(dir / "next.ova.part", dir / "web01.ova");
  auto third = scan_range(tracker, 7000, 10000);
  BOOST_TEST(third.ready.size() == 1u);
}

BOOST_AUTO_TEST_CASE(files_that_disappear_are_forgotten) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  make_ova(dir / "a.ova");
  make_ova(dir / "b.ova");
  tracker.scan(0);
  BOOST_TEST(tracker.tracked() == 2u);
  fs::remove(dir / "a.ova");
  auto r = tracker.scan(1000);
  BOOST_TEST(tracker.tracked() == 1u);
  BOOST_TEST(r.problems.empty());
  // Back again: it starts over (3 checks from now), it is not half-way done.
  make_ova(dir / "a.ova");
  auto back = tracker.scan(2000);
  BOOST_TEST_REQUIRE(back.ready.size() == 1u);  // only b.ova, which had its 3 checks
  BOOST_TEST(source_names(back.ready[0]) == std::vector<std::string>{"b.ova"});
  BOOST_TEST(tracker.scan(3000).ready.empty());
  BOOST_TEST(tracker.scan(4000).ready.size() == 1u);
}

BOOST_AUTO_TEST_CASE(symbolic_link_is_a_permanent_problem_reported_once) {
  ScratchDir outside("outside");
  ScratchDir dir("watch");
  make_ova(outside / "web01.ova");
  fs::create_symlink(outside / "web01.ova", dir / "web01.ova");
  WatchTracker tracker(settings_for(dir.path()));
  auto all = scan_range(tracker, 0, 20000);
  BOOST_TEST(all.ready.empty());
  BOOST_TEST_REQUIRE(all.problems.size() == 1u);
  BOOST_TEST(all.problems[0].file == fs::path("web01.ova"));
  BOOST_TEST(all.problems[0].permanent);
  BOOST_TEST(mentions(all.problems[0].reason, "symbolic link"));
}

BOOST_AUTO_TEST_CASE(missing_watch_folder_is_reported_once_and_scanning_recovers) {
  ScratchDir root("watch");
  WatchTracker tracker(settings_for(root / "queue"));
  auto r = scan_range(tracker, 0, 3000);
  BOOST_TEST_REQUIRE(r.problems.size() == 1u);
  BOOST_TEST(r.problems[0].kind == ErrorKind::Io);
  BOOST_TEST(!r.problems[0].permanent);
  BOOST_TEST(mentions(r.problems[0].reason, (root / "queue").string()));
  fs::create_directory(root / "queue");
  make_ova(root / "queue" / "web01.ova");
  auto ok = scan_range(tracker, 4000, 6000);
  BOOST_TEST(ok.ready.size() == 1u);
  BOOST_TEST(ok.problems.empty());
}

BOOST_AUTO_TEST_SUITE_END()
