// The dedup key of a ready VM, computed by storage/dedup_key over all its files.
#include "storage/dedup_key.hpp"
#include "tests/unit/watcher/watcher_test_support.hpp"

using namespace h2k;
using namespace h2k::watcher_test;

namespace {

ReadyVm only_ready(const WatchSettings& s) {
  WatchTracker tracker(s);
  auto all = scan_range(tracker, 0, 2000);
  BOOST_TEST_REQUIRE(all.ready.size() == 1u);
  return all.ready[0];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(watcher_dedup)

BOOST_AUTO_TEST_CASE(same_name_and_size_give_the_same_key) {
  ScratchDir a("watch-a");
  ScratchDir b("watch-b");
  write_file(a / "web01.ova", std::string(10240, 'a'));
  write_file(b / "web01.ova", std::string(10240, 'b'));  // other bytes, same name and size
  const ReadyVm first = only_ready(settings_for(a.path()));
  const ReadyVm second = only_ready(settings_for(b.path()));
  BOOST_TEST(first.dedup_key == "name_size:web01.ova:10240");
  BOOST_TEST(second.dedup_key == first.dedup_key);

  write_file(b / "web01.ova", std::string(10241, 'b'));
  BOOST_TEST(only_ready(settings_for(b.path())).dedup_key != first.dedup_key);
}

BOOST_AUTO_TEST_CASE(group_key_covers_every_file_in_source_order) {
  ScratchDir dir("watch");
  write_file(dir / "web.ovf", ovf_with_disks({"web-1.vmdk"}));
  make_stream_vmdk(dir / "web-1.vmdk");
  const ReadyVm vm = only_ready(settings_for(dir.path()));
  BOOST_TEST(vm.dedup_key == "name_size:web.ovf:" + std::to_string(fs::file_size(dir / "web.ovf")) + ",web-1.vmdk:" +
                                 std::to_string(fs::file_size(dir / "web-1.vmdk")));
}

BOOST_AUTO_TEST_CASE(content_keys_tell_same_sized_files_apart_and_match_md5sum) {
  ScratchDir a("watch-a");
  ScratchDir b("watch-b");
  write_file(a / "web01.ova", std::string(10240, 'a'));
  write_file(b / "web01.ova", std::string(10240, 'b'));
  auto sa = settings_for(a.path());
  auto sb = settings_for(b.path());
  sa.dedup = sb.dedup = DedupMethod::Md5;
  const std::string ka = only_ready(sa).dedup_key;
  BOOST_TEST(ka != only_ready(sb).dedup_key);
  const std::string md5sum = run_ok({"md5sum", (a / "web01.ova").string()});
  BOOST_TEST(ka == "md5:" + md5sum.substr(0, 32));
}

BOOST_AUTO_TEST_CASE(no_key_when_deduplication_is_off) {
  ScratchDir dir("watch");
  write_file(dir / "web01.ova", std::string(10240, 'a'));
  auto s = settings_for(dir.path());
  s.dedup_enabled = false;
  BOOST_TEST(only_ready(s).dedup_key.empty());
}

BOOST_AUTO_TEST_SUITE_END()
