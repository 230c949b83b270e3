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

// What was staged must still be there at publish time: a staging folder
// emptied meanwhile (another process removed it) is not published.
BOOST_AUTO_TEST_CASE(a_staged_file_gone_before_the_publish_is_an_error_naming_it) {
  TempDir t;
  StagingDir s(t.path, "web01");
  std::ofstream(s.path() / "web01-disk1.qcow2") << "disk";
  fs::create_directories(s.path() / "sub");
  std::ofstream(s.path() / "sub" / "nvram.fd") << "vars";
  std::ofstream(s.path() / "report.json") << "{}";
  const auto staged = s.files();
  BOOST_TEST(staged == (std::vector<std::string>{"report.json", "sub/nvram.fd", "web01-disk1.qcow2"}),
             boost::test_tools::per_element());
  BOOST_CHECK_NO_THROW(s.require_files(staged));
  fs::remove(s.path() / "web01-disk1.qcow2");
  try {
    s.require_files(staged);
    BOOST_FAIL("expected an error");
  } catch (const ConversionError& e) {
    BOOST_TEST(std::string(e.what()).find("web01-disk1.qcow2") != std::string::npos, e.what());
    BOOST_TEST(e.kind() == ErrorKind::Io);
  }
  BOOST_TEST(!fs::exists(t.path / "web01"));
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
