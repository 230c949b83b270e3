// Export manifests (Artifact Manifest v1): the manifest plus its disks is one
// job, taken only when every disk is whole and matches its sha256.
#include <nlohmann/json.hpp>

#include "tests/unit/watcher/watcher_test_support.hpp"

using namespace h2k;
using namespace h2k::watcher_test;

namespace {

// A manifest naming one disk (`disk` as written in local_path).
std::string manifest_for(const std::string& disk, const std::string& format,
                         const std::string& sha256, std::uint64_t bytes) {
  nlohmann::json doc = {
      {"manifest_version", "1.0"},
      {"source", {{"provider", "vsphere"}, {"vm_name", "web01"}}},
      {"disks",
       {{{"id", "disk-0"}, {"source_format", format}, {"bytes", bytes}, {"local_path", disk},
         {"checksum", "sha256:" + sha256}}}}};
  return doc.dump(2);
}

const std::string kWrongSha = std::string(64, 'a');

}  // namespace

BOOST_AUTO_TEST_SUITE(watcher_manifests)

BOOST_AUTO_TEST_CASE(manifest_with_matching_checksum_is_one_job_with_its_disk) {
  ScratchDir dir("watch");
  qemu_create(dir / "disk-0.qcow2", "qcow2", "1M");
  write_file(dir / "manifest.json", manifest_for("disk-0.qcow2", "qcow2", sha256_file(dir / "disk-0.qcow2"),
                                                 fs::file_size(dir / "disk-0.qcow2")));
  WatchTracker tracker(settings_for(dir.path()));
  auto r = scan_range(tracker, 0, 2000);
  BOOST_TEST_REQUIRE(r.ready.size() == 1u);
  BOOST_TEST(source_names(r.ready[0]) == (std::vector<std::string>{"manifest.json", "disk-0.qcow2"}));
  BOOST_TEST(r.ready[0].file_type == "manifest");
  BOOST_TEST(r.problems.empty());
  auto later = scan_range(tracker, 3000, 60000);
  BOOST_TEST(later.ready.empty(), "the disk is not a bare-disk job afterwards");
}

BOOST_AUTO_TEST_CASE(any_json_that_is_a_manifest_counts_and_other_json_is_ignored) {
  ScratchDir dir("watch");
  qemu_create(dir / "web01-disk0.raw", "raw", "1M");
  write_file(dir / "web01-export.json",
             manifest_for("web01-disk0.raw", "raw", sha256_file(dir / "web01-disk0.raw"), 1u << 20));
  write_file(dir / "notes.json", R"({"owner": "web-team", "ticket": 4711})");
  WatchTracker tracker(settings_for(dir.path()));
  auto all = scan_range(tracker, 0, 60000);
  BOOST_TEST(all.problems.empty());
  BOOST_TEST_REQUIRE(all.ready.size() == 1u);
  BOOST_TEST(source_names(all.ready[0]) == (std::vector<std::string>{"web01-export.json", "web01-disk0.raw"}));
  BOOST_TEST(all.ready[0].file_type == "manifest");
}

BOOST_AUTO_TEST_CASE(checksum_mismatch_is_a_permanent_problem_reported_once) {
  ScratchDir dir("watch");
  qemu_create(dir / "disk-0.qcow2", "qcow2", "1M");
  write_file(dir / "manifest.json",
             manifest_for("disk-0.qcow2", "qcow2", kWrongSha, fs::file_size(dir / "disk-0.qcow2")));
  WatchTracker tracker(settings_for(dir.path()));
  auto all = scan_range(tracker, 0, 60000);
  BOOST_TEST(all.ready.empty(), "neither the manifest nor its disk alone");
  BOOST_TEST_REQUIRE(all.problems.size() == 1u);
  const WatchProblem& p = all.problems[0];
  BOOST_TEST(p.file == fs::path("manifest.json"));
  BOOST_TEST(p.permanent);
  BOOST_TEST(p.kind == ErrorKind::InvalidInput);
  BOOST_TEST(mentions(p.reason, "disk-0.qcow2"));
  BOOST_TEST(mentions(p.reason, "sha256 mismatch"));
  BOOST_TEST(!mentions(p.reason, dir.path().string()), "paths relative to the watch folder: " << p.reason);
  BOOST_TEST(p.related == std::vector<fs::path>{"disk-0.qcow2"});
}

BOOST_AUTO_TEST_CASE(disk_shorter_than_the_manifest_says_is_awaited_not_failed) {
  ScratchDir dir("watch");
  ScratchDir src("src");
  write_file(src / "disk-0.raw", std::string(1 << 20, 'z'));
  const std::string whole = read_file(src / "disk-0.raw");
  write_file(dir / "manifest.json", manifest_for("disk-0.raw", "raw", sha256_file(src / "disk-0.raw"),
                                                 whole.size()));
  write_file(dir / "disk-0.raw", whole.substr(0, whole.size() / 2));  // a transfer that paused
  auto s = settings_for(dir.path());
  s.file_stable_timeout = std::chrono::milliseconds(5000);
  WatchTracker tracker(s);
  auto paused = scan_range(tracker, 0, 20000);
  BOOST_TEST(paused.ready.empty());
  BOOST_TEST(paused.pending_at_end);
  BOOST_TEST_REQUIRE(paused.problems.size() == 1u, "one report after the timeout, not a checksum failure");
  BOOST_TEST(!paused.problems[0].permanent);
  BOOST_TEST(mentions(paused.problems[0].reason, "disk-0.raw"));

  append(dir / "disk-0.raw", whole.substr(whole.size() / 2));
  auto done = scan_range(tracker, 21000, 23000);
  BOOST_TEST_REQUIRE(done.ready.size() == 1u);
  BOOST_TEST(done.problems.empty());
  BOOST_TEST(done.ready[0].total_bytes == whole.size() + fs::file_size(dir / "manifest.json"));
}

BOOST_AUTO_TEST_CASE(unreadable_manifest_json_is_a_permanent_problem) {
  ScratchDir dir("watch");
  write_file(dir / "manifest.json", R"({"manifest_version": "1.0", "disks": [ {"id": "d0" )");
  WatchTracker tracker(settings_for(dir.path()));
  auto all = scan_range(tracker, 0, 20000);
  BOOST_TEST(all.ready.empty());
  BOOST_TEST_REQUIRE(all.problems.size() == 1u);
  BOOST_TEST(all.problems[0].file == fs::path("manifest.json"));
  BOOST_TEST(all.problems[0].permanent);
  BOOST_TEST(all.problems[0].kind == ErrorKind::InvalidInput);
  BOOST_TEST(mentions(all.problems[0].reason, "not valid JSON"));
}

BOOST_AUTO_TEST_CASE(manifest_disk_outside_the_watch_folder_is_a_permanent_problem) {
  ScratchDir root("watch");
  fs::create_directory(root / "queue");
  qemu_create(root / "disk-0.raw", "raw", "1M");
  write_file(root / "queue" / "manifest.json",
             manifest_for("../disk-0.raw", "raw", sha256_file(root / "disk-0.raw"), 1u << 20));
  WatchTracker tracker(settings_for(root / "queue"));
  auto all = scan_range(tracker, 0, 20000);
  BOOST_TEST(all.ready.empty());
  BOOST_TEST_REQUIRE(all.problems.size() == 1u);
  BOOST_TEST(all.problems[0].permanent);
  BOOST_TEST(mentions(all.problems[0].reason, "outside the watch folder"));
}

BOOST_AUTO_TEST_SUITE_END()
