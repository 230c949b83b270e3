#include <boost/test/unit_test.hpp>

#include <fstream>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;

namespace {
struct TempDir {
  h2k::test::ScratchDir dir{"fs-test"};
  fs::path path = dir.path();
};
}  // namespace

BOOST_AUTO_TEST_SUITE(filesystem_helpers)

BOOST_AUTO_TEST_CASE(atomic_write_replaces_content_and_leaves_no_temp_file) {
  TempDir t;
  atomic_write_file(t.path / "stats.json", "one");
  atomic_write_file(t.path / "stats.json", "two");
  BOOST_TEST(read_text_file(t.path / "stats.json") == "two");
  int entries = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(t.path)) ++entries;
  BOOST_TEST(entries == 1);
}

BOOST_AUTO_TEST_CASE(read_at_reads_slices) {
  TempDir t;
  atomic_write_file(t.path / "f", "0123456789");
  BOOST_TEST(read_at(t.path / "f", 3, 4) == "3456");
  BOOST_TEST(read_at(t.path / "f", 8, 10) == "89");
}

BOOST_AUTO_TEST_CASE(missing_file_errors_name_the_file) {
  try {
    read_text_file("/nonexistent/web01.vmdk");
    BOOST_FAIL("expected an error");
  } catch (const ConversionError& e) {
    BOOST_TEST(std::string(e.what()).find("/nonexistent/web01.vmdk") != std::string::npos);
    BOOST_TEST(e.kind() == ErrorKind::InvalidInput);
  }
}

BOOST_AUTO_TEST_CASE(staging_dir_is_removed_unless_committed) {
  TempDir t;
  fs::path staged;
  {
    StagingDir s(t.path, "web01");
    staged = s.path();
    std::ofstream(s.path() / "disk.qcow2") << "partial";
    BOOST_TEST(fs::exists(staged));
    BOOST_TEST(staged.filename().string().rfind(".web01.partial-", 0) == 0);
  }
  BOOST_TEST(!fs::exists(staged));
  BOOST_TEST(!fs::exists(t.path / "web01"));
}

BOOST_AUTO_TEST_CASE(commit_publishes_and_never_overwrites) {
  TempDir t;
  {
    StagingDir s(t.path, "web01");
    std::ofstream(s.path() / "report.json") << "{}";
    s.commit();
  }
  BOOST_TEST(fs::exists(t.path / "web01" / "report.json"));
  StagingDir again(t.path, "web01");
  BOOST_CHECK_THROW(again.commit(), ConversionError);
  BOOST_TEST(read_text_file(t.path / "web01" / "report.json") == "{}");
}

BOOST_AUTO_TEST_CASE(free_space_of_a_missing_path_uses_its_parent) {
  BOOST_TEST(free_space("/tmp/does/not/exist/yet") > 0u);
}

BOOST_AUTO_TEST_CASE(error_kinds_say_whether_a_retry_can_help) {
  BOOST_TEST(is_retryable(ErrorKind::Io));
  BOOST_TEST(is_retryable(ErrorKind::ApplianceLaunch));
  BOOST_TEST(is_retryable(ErrorKind::Timeout));
  BOOST_TEST(!is_retryable(ErrorKind::InvalidInput));
  BOOST_TEST(!is_retryable(ErrorKind::Unsupported));
  ConversionError e(ErrorKind::InvalidInput, "web01.vmdk", "extent 'web01-flat.vmdk' is missing");
  BOOST_TEST(std::string(e.what()) == "web01.vmdk: extent 'web01-flat.vmdk' is missing");
}

BOOST_AUTO_TEST_SUITE_END()
