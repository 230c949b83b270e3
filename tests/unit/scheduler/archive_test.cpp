// Archiving in two halves (the scheduler actor hands the file moves to its
// archiver thread and records the report when it comes back): until then,
// and after a failed move, a done job keeps its archive mark and its files
// stay known to the scheduler, so the watcher's report of them never becomes
// a new job; a successful report clears the mark. Real files, real store.
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include <sys/stat.h>

#include "actors/cluster/share_marker.hpp"
#include "actors/scheduler/source_archiver.hpp"
#include "actors/scheduler/source_files.hpp"
#include "scheduler_test_support.hpp"

using namespace h2k;
using namespace h2k::scheduler_test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(archiving)

BOOST_AUTO_TEST_CASE(a_done_job_keeps_its_files_known_until_the_archiver_reports_them_moved) {
  Daemon d(1);
  d.boot();
  d.archive_on_commit = false;
  const auto vm = d.drop("web.ova", "web bytes");
  auto fx = d.sched->on_found(vm, kT0);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const std::string id = fx.assignments.front().second.job_id;
  auto done = d.succeed(id, kT0 + kMinute);
  BOOST_TEST_REQUIRE(done.archives == std::vector<std::string>{id}, boost::test_tools::per_element());

  auto requests = d.sched->archive_requests(done.archives);
  BOOST_TEST_REQUIRE(requests.size() == 1u);
  BOOST_TEST(requests[0].job_id == id);
  BOOST_TEST(requests[0].sources == std::vector<std::string>{"web.ova"}, boost::test_tools::per_element());
  BOOST_TEST(requests[0].archive_dir == d.job(id).archive_pending);
  BOOST_TEST(requests[0].archive_dir.rfind(".processed/", 0) == 0u, requests[0].archive_dir);
  BOOST_TEST(requests[0].export_dir.empty());

  // The report is not back yet: a scan still sees the file, not a new job.
  auto seen = d.sched->on_found(vm, kT0 + kMinute + kSecond);
  BOOST_TEST(seen.events.empty(), seen.events.size() << " event(s) for a file whose job is done");
  BOOST_TEST(d.store->counters().by_state.total() == 1u);

  // The move fails (here: a plain file where the archive folder should be).
  // The file stays in the queue, the job keeps its mark, the file stays known.
  const fs::path processed = d.watch / ".processed";
  fs::remove_all(processed);
  write_file(processed, "not a folder");
  auto failed = archive_job_sources(d.watch, requests[0], FaultPlan{}, *quiet_logger());
  BOOST_TEST(!failed.error.empty(), "a move that cannot happen is reported as an error");
  BOOST_TEST(fs::exists(d.watch / "web.ova"));
  d.sched->on_archived({failed});
  BOOST_TEST(d.job(id).archive_pending == requests[0].archive_dir);
  BOOST_TEST(d.store->list_archive_pending().size() == 1u);
  seen = d.sched->on_found(vm, kT0 + 2 * kMinute);
  BOOST_TEST(seen.events.empty(), seen.events.size() << " event(s) after a failed archive");
  BOOST_TEST(d.store->counters().by_state.total() == 1u);

  // The share is back: moved, reported, the mark cleared.
  fs::remove(processed);
  auto moved = archive_job_sources(d.watch, requests[0], FaultPlan{}, *quiet_logger());
  BOOST_TEST(moved.error.empty(), moved.error);
  BOOST_TEST(moved.moved == std::vector<std::string>{requests[0].archive_dir + "/web.ova"},
             boost::test_tools::per_element());
  BOOST_TEST(!fs::exists(d.watch / "web.ova"));
  BOOST_TEST(read_file(d.watch / requests[0].archive_dir / "web.ova") == "web bytes");
  d.sched->on_archived({moved});
  BOOST_TEST(d.job(id).archive_pending.empty());
  BOOST_TEST(d.store->list_archive_pending().empty());
  BOOST_TEST(d.state_of(id) == JobState::Done);
  BOOST_TEST(d.sched->archive_requests({id}).empty(), "nothing left to archive");
}

BOOST_AUTO_TEST_CASE(the_jobs_of_one_report_are_recorded_together_and_a_failed_one_keeps_its_mark) {
  Daemon d(2);
  d.boot();
  d.archive_on_commit = false;
  auto fx = d.sched->on_found(d.drop("a.ova", "a"), kT0);
  fx = d.sched->on_found(d.drop("b.ova", "b"), kT0 + 1);
  const auto ids = d.store->list(JobState::Running);
  BOOST_TEST_REQUIRE(ids.size() == 2u);
  std::vector<std::string> done;
  for (const auto& j : ids)
    for (auto& id : d.succeed(j.id, kT0 + kMinute).archives) done.push_back(id);
  auto requests = d.sched->archive_requests(done);
  BOOST_TEST_REQUIRE(requests.size() == 2u);
  std::vector<msg::archive_result> report;
  report.push_back(archive_job_sources(d.watch, requests[0], FaultPlan{}, *quiet_logger()));
  msg::archive_result lost;  // the second one's move failed
  lost.job_id = requests[1].job_id;
  lost.error = "Input/output error";
  report.push_back(lost);
  d.sched->on_archived(report);
  BOOST_TEST(d.job(requests[0].job_id).archive_pending.empty());
  BOOST_TEST(d.job(requests[1].job_id).archive_pending == requests[1].archive_dir);
  auto pending = d.store->list_archive_pending();
  BOOST_TEST_REQUIRE(pending.size() == 1u);
  BOOST_TEST(pending.front().id == requests[1].job_id);
  BOOST_TEST(d.store->check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(moving_sources_never_overwrites_makes_missing_folders_and_skips_missing_files) {
  // What an operator finds in .processed/ after the same file name was
  // converted twice in a day, or a source was removed by hand meanwhile.
  ScratchDir dir{"move-sources"};
  const fs::path root = dir / "queue";
  fs::create_directories(root / "dc1");
  write_file(root / "web.ova", "second web");
  write_file(root / "dc1" / "db.vmx", "db vmx");
  const fs::path dest = root / ".processed" / "2026-12-05";
  fs::create_directories(dest);
  write_file(dest / "web.ova", "first web");
  write_file(dest / "web.ova.1", "another web");

  const auto moved = move_sources(root, {"web.ova", "gone.vmdk", "dc1/db.vmx"}, dest);
  const std::vector<std::string> expected{".processed/2026-12-05/web.ova.2", ".processed/2026-12-05/dc1/db.vmx"};
  BOOST_TEST(moved == expected, boost::test_tools::per_element());
  BOOST_TEST(read_file(dest / "web.ova") == "first web", "a file already there is never overwritten");
  BOOST_TEST(read_file(dest / "web.ova.1") == "another web");
  BOOST_TEST(read_file(dest / "web.ova.2") == "second web");
  BOOST_TEST(read_file(dest / "dc1" / "db.vmx") == "db vmx", "the missing sub-folder was made");
  BOOST_TEST(!fs::exists(root / "web.ova"));
  BOOST_TEST(!fs::exists(root / "dc1" / "db.vmx"));

  // Moved again (a rerun after a crash mid-archive): nothing left to move.
  BOOST_TEST(move_sources(root, {"web.ova", "dc1/db.vmx"}, dest).empty());
  // A file already set aside stays where it is (.errors/ of a job failed again).
  fs::create_directories(root / ".errors");
  write_file(root / ".errors" / "app.ova", "app");
  BOOST_TEST(move_sources(root, {".errors/app.ova"}, root / ".errors") == std::vector<std::string>{".errors/app.ova"},
             boost::test_tools::per_element());
  BOOST_TEST(read_file(root / ".errors" / "app.ova") == "app");
  BOOST_TEST(!fs::exists(root / ".errors" / "app.ova.1"));
}

BOOST_AUTO_TEST_CASE(moving_sources_to_another_filesystem_copies_and_never_overwrites) {
  // .processed on another filesystem (a bind mount): rename cannot cross it,
  // so the file is copied under a free name, then removed from the queue.
  // /dev/shm (tmpfs) stands in for the other filesystem.
  ScratchDir dir{"move-xdev"};
  std::string pattern = "/dev/shm/h2k-move-xdev-XXXXXX";
  BOOST_TEST_REQUIRE(::mkdtemp(pattern.data()) != nullptr, "cannot create " << pattern);
  const fs::path other = pattern;
  struct stat a{}, b{};
  BOOST_TEST_REQUIRE(::stat(dir.path().c_str(), &a) == 0);
  BOOST_TEST_REQUIRE(::stat(other.c_str(), &b) == 0);
  if (a.st_dev == b.st_dev) {
    fs::remove_all(other);
    BOOST_TEST_MESSAGE("skipped: " << dir.path() << " and /dev/shm are on the same filesystem here");
    return;
  }
  const fs::path root = dir / "queue";
  fs::create_directories(root);
  write_file(root / "web.ova", "second web");
  const fs::path dest = other / ".processed";
  fs::create_directories(dest);
  write_file(dest / "web.ova", "first web");

  const auto moved = move_sources(root, {"web.ova"}, dest);
  BOOST_TEST(moved.size() == 1u);
  BOOST_TEST(read_file(dest / "web.ova") == "first web", "a file already there is never overwritten");
  BOOST_TEST(read_file(dest / "web.ova.1") == "second web");
  BOOST_TEST(!fs::exists(root / "web.ova"), "the source left the queue");
  fs::remove_all(other);
}

// In a cluster the archiver checks the coordinator's share before its
// moves: on an unmounted share (an empty mount point) every source looks
// gone, and "nothing to move" must not pass for archived.
BOOST_AUTO_TEST_CASE(an_unmounted_share_is_an_archive_error_not_an_empty_move) {
  h2k::test::ScratchDir dir{"archive-share"};
  const fs::path share = dir / "mnt";
  const fs::path watch = share / "queue";
  fs::create_directories(watch);
  write_file(watch / "web.ova", "web bytes");
  const std::string id = ensure_share_marker(share);
  msg::archive_request r;
  r.job_id = "job-1";
  r.sources = {"web.ova"};
  r.archive_dir = ".processed/2026-12-07";
  const ArchiveShare expected{share, id};

  // Unmounted: the export's files are elsewhere; an empty folder here.
  fs::rename(share, dir / "away");
  fs::create_directories(share);
  auto res = archive_job_sources(watch, r, FaultPlan{}, *quiet_logger(), expected);
  BOOST_TEST(!res.error.empty());
  BOOST_TEST(res.error.find((share / ".hyper2kvm-share").string()) != std::string::npos, res.error);
  BOOST_TEST(res.moved.empty());
  BOOST_TEST(fs::is_empty(share), "nothing written into the bare mount point");
  // Another export mounted there.
  fs::remove(share);
  fs::create_directories(share / "queue");
  write_file(share / "queue" / "web.ova", "other bytes");
  write_file(share / ".hyper2kvm-share", "0123456789abcdef\n");
  res = archive_job_sources(watch, r, FaultPlan{}, *quiet_logger(), expected);
  BOOST_TEST(res.error.find("0123456789abcdef") != std::string::npos, res.error);
  BOOST_TEST(fs::exists(share / "queue" / "web.ova"), "another share's file moved");
  // Its own share back: moved.
  fs::remove_all(share);
  fs::rename(dir / "away", share);
  res = archive_job_sources(watch, r, FaultPlan{}, *quiet_logger(), expected);
  BOOST_TEST(res.error.empty(), res.error);
  BOOST_TEST(fs::exists(watch / r.archive_dir / "web.ova"));
  BOOST_TEST(!fs::exists(watch / "web.ova"));
}

BOOST_AUTO_TEST_SUITE_END()
