// Multi-file VMs become one job once every part is present and stable; a
// part never becomes a job of its own while a description claims it.
#include <random>

#include "engine/core/fs.hpp"
#include "engine/inputs/ovf.hpp"
#include "tests/unit/watcher/watcher_test_support.hpp"

using namespace h2k;
using namespace h2k::watcher_test;

namespace {

std::string minimal_ovf() { return read_file(data_dir("inputs") / "ovf" / "minimal.ovf"); }  // names tiny.vmdk

// The sorted names of a folder's files (what a group should consist of).
std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(watcher_groups)

BOOST_AUTO_TEST_CASE(ovf_first_then_its_disk_gives_one_group_once_the_disk_is_stable) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  write_file(dir / "tiny.ovf", minimal_ovf());
  write_file(dir / "tiny.mf", "SHA256(tiny.vmdk)= 0000000000000000000000000000000000000000000000000000000000000000\n");
  auto waiting = scan_range(tracker, 0, 5000);
  BOOST_TEST(waiting.ready.empty());
  BOOST_TEST(waiting.problems.empty());
  BOOST_TEST(waiting.pending_at_end, "waiting for the disk");

  make_stream_vmdk(dir / "tiny.vmdk");
  BOOST_TEST(tracker.scan(6000).ready.empty());
  BOOST_TEST(tracker.scan(7000).ready.empty());
  auto r = tracker.scan(8000);
  BOOST_TEST_REQUIRE(r.ready.size() == 1u);
  BOOST_TEST(source_names(r.ready[0]) == (std::vector<std::string>{"tiny.ovf", "tiny.vmdk", "tiny.mf"}));
  BOOST_TEST(r.ready[0].file_type == "ovf");
  BOOST_TEST(r.ready[0].total_bytes ==
             fs::file_size(dir / "tiny.ovf") + fs::file_size(dir / "tiny.vmdk") + fs::file_size(dir / "tiny.mf"));
  // The disk is never a job of its own, not after the orphan grace either.
  auto later = scan_range(tracker, 9000, 60000);
  BOOST_TEST(later.ready.empty());
  BOOST_TEST(later.problems.empty());
}

BOOST_AUTO_TEST_CASE(disk_first_then_its_ovf_within_the_grace_gives_one_group) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  make_stream_vmdk(dir / "tiny.vmdk");
  BOOST_TEST(scan_range(tracker, 0, 5000).ready.empty());  // stable at 2 s, grace until 12 s
  write_file(dir / "tiny.ovf", minimal_ovf());
  auto all = scan_range(tracker, 6000, 60000);
  BOOST_TEST_REQUIRE(all.ready.size() == 1u, "one job, not a bare-disk job as well");
  BOOST_TEST(source_names(all.ready[0]) == (std::vector<std::string>{"tiny.ovf", "tiny.vmdk"}));
  BOOST_TEST(all.problems.empty());
}

BOOST_AUTO_TEST_CASE(an_ovf_still_being_written_holds_bare_disks_past_the_grace) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  make_stream_vmdk(dir / "tiny.vmdk");
  BOOST_TEST(scan_range(tracker, 0, 10000).ready.empty());
  const std::string ovf = minimal_ovf();
  write_file(dir / "tiny.ovf", ovf.substr(0, ovf.size() / 2));  // half written at 11 s
  BOOST_TEST(scan_range(tracker, 11000, 12000).ready.empty());  // grace over at 12 s, the OVF unsettled
  write_file(dir / "tiny.ovf", ovf);
  BOOST_TEST(scan_range(tracker, 13000, 14000).ready.empty());
  auto r = tracker.scan(15000);
  BOOST_TEST_REQUIRE(r.ready.size() == 1u);
  BOOST_TEST(r.ready[0].file_type == "ovf");
  BOOST_TEST(source_names(r.ready[0]) == (std::vector<std::string>{"tiny.ovf", "tiny.vmdk"}));
  BOOST_TEST(r.problems.empty(), "the half-written OVF was never parsed");
}

BOOST_AUTO_TEST_CASE(bare_vmdk_is_ready_after_the_orphan_grace) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  make_stream_vmdk(dir / "lonely.vmdk");
  auto before = scan_range(tracker, 0, 11000);  // stable at 2 s
  BOOST_TEST(before.ready.empty());
  BOOST_TEST(before.pending_at_end);
  auto r = tracker.scan(12000);
  BOOST_TEST_REQUIRE(r.ready.size() == 1u);
  BOOST_TEST(source_names(r.ready[0]) == std::vector<std::string>{"lonely.vmdk"});
  BOOST_TEST(r.ready[0].file_type == "vmdk");
}

BOOST_AUTO_TEST_CASE(img_and_raw_files_are_raw_disks) {
  ScratchDir dir("watch");
  WatchTracker tracker(settings_for(dir.path()));
  qemu_create(dir / "a.img", "raw", "1M");
  qemu_create(dir / "b.raw", "raw", "1M");
  auto all = scan_range(tracker, 0, 12000);
  BOOST_TEST_REQUIRE(all.ready.size() == 2u);
  BOOST_TEST(all.ready[0].file_type == "raw");
  BOOST_TEST(all.ready[1].file_type == "raw");
}

BOOST_AUTO_TEST_CASE(vmdk_descriptor_with_two_extents_is_one_group) {
  ScratchDir dir("watch");
  // qemu-img splits a 3 GiB twoGbMaxExtentSparse disk into two sparse extents.
  qemu_create(dir / "split.vmdk", "vmdk", "3G", "subformat=twoGbMaxExtentSparse");
  const auto names = files_in(dir.path());
  BOOST_TEST_REQUIRE(names.size() == 3u, "descriptor + 2 extents expected");
  WatchTracker tracker(settings_for(dir.path()));
  auto all = scan_range(tracker, 0, 60000);
  BOOST_TEST_REQUIRE(all.ready.size() == 1u, "the extents are not jobs of their own");
  BOOST_TEST(all.ready[0].sources.front() == fs::path("split.vmdk"));
  BOOST_TEST(sorted(source_names(all.ready[0])) == names);
  BOOST_TEST(all.ready[0].file_type == "vmdk");
  BOOST_TEST(all.problems.empty());
}

BOOST_AUTO_TEST_CASE(vmx_with_descriptor_and_extent_is_one_group) {
  ScratchDir dir("watch");
  qemu_create(dir / "app.vmdk", "vmdk", "1M", "subformat=monolithicFlat");  // app.vmdk + app-flat.vmdk
  write_file(dir / "app.vmx", vmx_with_disks({"app.vmdk"}));
  WatchTracker tracker(settings_for(dir.path()));
  auto r = scan_range(tracker, 0, 2000);
  BOOST_TEST_REQUIRE(r.ready.size() == 1u);
  BOOST_TEST(source_names(r.ready[0]) == (std::vector<std::string>{"app.vmx", "app.vmdk", "app-flat.vmdk"}));
  BOOST_TEST(r.ready[0].file_type == "vmx");
  BOOST_TEST(scan_range(tracker, 3000, 60000).ready.empty());
}

BOOST_AUTO_TEST_CASE(vmx_naming_its_disk_by_datastore_path_uses_the_disk_beside_it) {
  ScratchDir dir("watch");
  make_stream_vmdk(dir / "app.vmdk");
  write_file(dir / "app.vmx", vmx_with_disks({"/vmfs/volumes/5f3c2a91-8d1e4b2a/app/app.vmdk"}));
  WatchTracker tracker(settings_for(dir.path()));
  auto r = scan_range(tracker, 0, 60000);
  BOOST_TEST_REQUIRE(r.ready.size() == 1u);
  BOOST_TEST(source_names(r.ready[0]) == (std::vector<std::string>{"app.vmx", "app.vmdk"}));
}

BOOST_AUTO_TEST_CASE(part_in_a_subfolder_is_found_relative_to_the_describing_file) {
  ScratchDir dir("watch");
  write_file(dir / "web.ovf", ovf_with_disks({"disks/web-1.vmdk"}));
  fs::create_directory(dir / "disks");
  make_stream_vmdk(dir / "disks" / "web-1.vmdk");
  WatchTracker tracker(settings_for(dir.path()));
  // The scan is not recursive: the subfolder's disk is followed from when
  // the OVF is read (2 s), so it is known stable 2 s later.
  BOOST_TEST(scan_range(tracker, 0, 3000).ready.empty());
  auto r = tracker.scan(4000);
  BOOST_TEST_REQUIRE(r.ready.size() == 1u);
  BOOST_TEST(source_names(r.ready[0]) == (std::vector<std::string>{"web.ovf", "disks/web-1.vmdk"}));
}

BOOST_AUTO_TEST_CASE(missing_part_after_the_timeout_is_reported_once_and_the_group_still_completes) {
  ScratchDir dir("watch");
  auto s = settings_for(dir.path());
  s.file_stable_timeout = std::chrono::milliseconds(5000);
  WatchTracker tracker(s);
  write_file(dir / "web.ovf", ovf_with_disks({"web-1.vmdk", "web-2.vmdk"}));
  make_stream_vmdk(dir / "web-1.vmdk");
  auto waiting = scan_range(tracker, 0, 60000);
  BOOST_TEST(waiting.ready.empty(), "neither the OVF nor its first disk alone");
  BOOST_TEST(waiting.pending_at_end);
  BOOST_TEST_REQUIRE(waiting.problems.size() == 1u);
  const WatchProblem& p = waiting.problems[0];
  BOOST_TEST(p.file == fs::path("web.ovf"));
  BOOST_TEST(!p.permanent);
  BOOST_TEST(mentions(p.reason, "web.ovf"));
  BOOST_TEST(mentions(p.reason, "web-2.vmdk"));
  BOOST_TEST(p.related == std::vector<fs::path>{"web-1.vmdk"});

  make_stream_vmdk(dir / "web-2.vmdk");
  auto done = scan_range(tracker, 61000, 63000);
  BOOST_TEST_REQUIRE(done.ready.size() == 1u);
  BOOST_TEST(source_names(done.ready[0]) == (std::vector<std::string>{"web.ovf", "web-1.vmdk", "web-2.vmdk"}));
}

BOOST_AUTO_TEST_CASE(group_being_moved_away_after_hand_over_reports_nothing) {
  ScratchDir dir("watch");
  auto s = settings_for(dir.path());
  s.file_stable_timeout = std::chrono::milliseconds(5000);
  WatchTracker tracker(s);
  write_file(dir / "web.ovf", ovf_with_disks({"web-1.vmdk"}));
  make_stream_vmdk(dir / "web-1.vmdk");
  BOOST_TEST(scan_range(tracker, 0, 2000).ready.size() == 1u);
  fs::remove(dir / "web-1.vmdk");  // the daemon moves the disk first, the OVF later
  auto moving = scan_range(tracker, 3000, 30000);
  BOOST_TEST(moving.ready.empty());
  BOOST_TEST(moving.problems.empty(), "no 'missing disk' for a VM already handed over");
  BOOST_TEST(!moving.pending_at_end);
}

BOOST_AUTO_TEST_CASE(ovf_naming_a_disk_outside_the_watch_folder_is_a_permanent_problem) {
  ScratchDir root("watch");
  fs::create_directory(root / "queue");
  make_stream_vmdk(root / "outside.vmdk");
  write_file(root / "queue" / "escape.ovf", ovf_with_disks({"../outside.vmdk"}));
  WatchTracker tracker(settings_for(root / "queue"));
  auto all = scan_range(tracker, 0, 60000);
  BOOST_TEST(all.ready.empty());
  BOOST_TEST_REQUIRE(all.problems.size() == 1u, "reported once");
  const WatchProblem& p = all.problems[0];
  BOOST_TEST(p.file == fs::path("escape.ovf"));
  BOOST_TEST(p.permanent);
  BOOST_TEST(p.kind == ErrorKind::InvalidInput);
  BOOST_TEST(mentions(p.reason, "../outside.vmdk"));
  BOOST_TEST(mentions(p.reason, "outside the watch folder"));
  BOOST_TEST(!all.pending_at_end, "given up on, not waited for");
}

BOOST_AUTO_TEST_CASE(vmx_naming_an_existing_file_outside_the_watch_folder_is_a_permanent_problem) {
  ScratchDir root("watch");
  fs::create_directory(root / "queue");
  make_stream_vmdk(root / "elsewhere.vmdk");
  write_file(root / "queue" / "app.vmx", vmx_with_disks({(root / "elsewhere.vmdk").string()}));
  WatchTracker tracker(settings_for(root / "queue"));
  auto all = scan_range(tracker, 0, 20000);
  BOOST_TEST(all.ready.empty());
  BOOST_TEST_REQUIRE(all.problems.size() == 1u);
  BOOST_TEST(all.problems[0].permanent);
  BOOST_TEST(mentions(all.problems[0].reason, "outside the watch folder"));
}

BOOST_AUTO_TEST_CASE(unparseable_ovf_is_a_permanent_problem_with_the_parsers_reason) {
  ScratchDir dir("watch");
  const std::string broken = "<?xml version=\"1.0\"?>\n<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\">\n"
                             "  <References><File/></References>\n</Envelope>\n";
  write_file(dir / "broken.ovf", broken);
  std::string parser_reason;
  try {
    parse_ovf(broken, "broken.ovf");
  } catch (const ConversionError& e) {
    parser_reason = e.reason();
  }
  BOOST_TEST_REQUIRE(!parser_reason.empty(), "the test OVF must be one the parser refuses");
  WatchTracker tracker(settings_for(dir.path()));
  auto all = scan_range(tracker, 0, 30000);
  BOOST_TEST(all.ready.empty());
  BOOST_TEST_REQUIRE(all.problems.size() == 1u);
  const WatchProblem& p = all.problems[0];
  BOOST_TEST(p.file == fs::path("broken.ovf"));
  BOOST_TEST(p.permanent);
  BOOST_TEST(p.kind == ErrorKind::InvalidInput);
  BOOST_TEST(p.reason == "broken.ovf: " + parser_reason);
  BOOST_TEST(p.size == broken.size());
}

BOOST_AUTO_TEST_CASE(snapshot_descriptor_named_by_a_vmx_is_a_permanent_problem_of_the_vmx) {
  ScratchDir dir("watch");
  write_file(dir / "app.vmdk",
             "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=87654321\ncreateType=\"vmfsSparse\"\n"
             "parentFileNameHint=\"base.vmdk\"\nRW 2048 VMFSSPARSE \"app-delta.vmdk\"\n");
  write_file(dir / "app.vmx", vmx_with_disks({"app.vmdk"}));
  WatchTracker tracker(settings_for(dir.path()));
  auto all = scan_range(tracker, 0, 30000);
  BOOST_TEST(all.ready.empty(), "neither the VMX nor its descriptor");
  BOOST_TEST_REQUIRE(all.problems.size() == 1u);
  const WatchProblem& p = all.problems[0];
  BOOST_TEST(p.file == fs::path("app.vmx"));
  BOOST_TEST(p.permanent);
  BOOST_TEST(p.kind == ErrorKind::Unsupported);
  BOOST_TEST(mentions(p.reason, "app.vmdk"));
  BOOST_TEST(p.related == std::vector<fs::path>{"app.vmdk"});
}

BOOST_AUTO_TEST_CASE(random_bytes_named_vmdk_are_the_converters_business) {
  ScratchDir dir("watch");
  std::mt19937 rng(42);
  std::string junk(64 * 1024, '\0');
  for (auto& c : junk) c = static_cast<char>(rng());
  write_file(dir / "junk.vmdk", junk);
  WatchTracker tracker(settings_for(dir.path()));
  auto all = scan_range(tracker, 0, 30000);
  BOOST_TEST(all.problems.empty());
  BOOST_TEST_REQUIRE(all.ready.size() == 1u);
  BOOST_TEST(source_names(all.ready[0]) == std::vector<std::string>{"junk.vmdk"});
  BOOST_TEST(all.ready[0].file_type == "vmdk");
}

BOOST_AUTO_TEST_SUITE_END()
