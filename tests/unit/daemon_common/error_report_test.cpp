// The .error.json of a failed file: every field of the user guide's example,
// with values checked against the host itself (df, /proc/meminfo, uname).
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <sstream>

#include "actors/common/error_report.hpp"
#include "actors/common/failure_suggestion.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace h2k::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kFailedAt = 1795357815123;  // 2026-11-22T14:30:15.123Z

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Free bytes of the filesystem holding `dir`, as coreutils stat(1) sees it.
double free_gb_by_stat(const fs::path& dir) {
  std::istringstream in(run_ok({"stat", "-f", "-c", "%a %S", dir.string()}));
  double blocks = 0, block_size = 0;
  in >> blocks >> block_size;
  return blocks * block_size / (1024.0 * 1024 * 1024);
}

double mem_available_gb_by_awk() {
  const std::string kib = run_ok({"awk", "/^MemAvailable:/ {print $2}", "/proc/meminfo"});
  return std::stod(kib) / (1024.0 * 1024);
}

struct FailedFile {
  ScratchDir tmp{"errreport"};
  FailureContext ctx;
  FailedFile() {
    const fs::path vm = tmp / "queue" / "vm-failed.vmdk";
    write_file(vm, std::string(3 * 1024 * 1024 + 52429, 'x'));  // 3.05 MiB
    fs::create_directories(tmp / "output");
    ctx.file = vm;
    ctx.file_size = fs::file_size(vm);
    ctx.error = "vm-failed.vmdk: the libguestfs appliance did not start within 600 s";
    ctx.error_kind = "appliance_launch";
    ctx.phase = "guest";
    ctx.log_tail = {"copy: 100%", "guest: launching the appliance", "guest: launch timed out"};
    ctx.retry_count = 1;
    ctx.max_retries = 3;
    ctx.next_retry_at_ms = kFailedAt + 300000;
    ctx.at_ms = kFailedAt;
    ctx.output_dir = tmp / "output";
    ctx.job_id = "job-42";
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(error_report)

BOOST_AUTO_TEST_CASE(report_has_every_guide_field_with_the_right_values) {
  FailedFile f;
  const json r = build_error_report(f.ctx);
  BOOST_TEST_MESSAGE(r.dump(2));

  BOOST_TEST(r["filename"] == "vm-failed.vmdk");
  BOOST_TEST(r["filepath"] == f.ctx.file.string());
  BOOST_TEST(r["file_size_mb"].get<double>() == 3.1);  // 3.05 MiB, 1 decimal as in the guide
  BOOST_TEST(r["file_size_bytes"] == f.ctx.file_size);
  BOOST_TEST(r["timestamp"] == "2026-11-22T14:30:15.123Z");
  BOOST_TEST(r["error"] == f.ctx.error);
  BOOST_TEST(r["error_kind"] == "appliance_launch");
  BOOST_TEST(r["phase"] == "guest");
  BOOST_TEST(r["log_tail"] == json(f.ctx.log_tail));
  BOOST_TEST(r["details"] == json::array());  // only errors with evidence lines (a verification boot) fill it
  const std::string advice = r["suggestion"];
  BOOST_TEST(advice.rfind(suggest_fix("appliance_launch", f.ctx.error), 0) == 0u, advice);
  BOOST_TEST(advice.find(" The daemon retries it at 2026-11-22T14:35:15Z (retry 2 of 3).") != std::string::npos,
             advice);
  BOOST_TEST(r["job_id"] == "job-42");

  const json& ri = r["retry_info"];
  BOOST_TEST(ri["retry_count"] == 1);
  BOOST_TEST(ri["max_retries"] == 3);
  BOOST_TEST(ri["next_retry_at"] == "2026-11-22T14:35:15Z");
  BOOST_TEST(ri["will_retry"] == true);

  const json& si = r["system_info"];
  BOOST_TEST(si["disk_space_path"] == (f.tmp / "output").string());
  // Others write to this disk meanwhile: agree within 0.25 GiB.
  BOOST_TEST(si["disk_space_free_gb"].get<double>() == free_gb_by_stat(f.tmp / "output"),
             boost::test_tools::tolerance(0.25 / free_gb_by_stat(f.tmp / "output")));
  BOOST_TEST(si["memory_available_gb"].is_number());
  BOOST_TEST(std::abs(si["memory_available_gb"].get<double>() - mem_available_gb_by_awk()) < 0.5);
  BOOST_TEST(si["hostname"] == trimmed(run_ok({"hostname"})));
  BOOST_TEST(si["kernel"] == trimmed(run_ok({"uname", "-r"})));
  const std::string version = si["hyper2kvm_version"];
  BOOST_TEST(version.find('.') != std::string::npos, "version: " << version);
}

BOOST_AUTO_TEST_CASE(a_final_failure_has_no_next_retry) {
  FailedFile f;
  f.ctx.retry_count = 3;
  f.ctx.next_retry_at_ms = 0;
  const json r = build_error_report(f.ctx);
  BOOST_TEST(r["retry_info"]["next_retry_at"].is_null());
  BOOST_TEST(r["retry_info"]["will_retry"] == false);
  BOOST_TEST(r["retry_info"]["retry_count"] == 3);
  const std::string advice = r["suggestion"];
  BOOST_TEST(advice.find("All 3 retries are used up") != std::string::npos, advice);
  BOOST_TEST(advice.find("retries it at") == std::string::npos, advice);
}

BOOST_AUTO_TEST_CASE(a_full_disk_report_quotes_the_free_space_of_the_output_dir) {
  FailedFile f;
  f.ctx.error_kind = "no_space";
  f.ctx.error = "web01-disk1.qcow2: write failed: No space left on device";
  SystemInfo host;
  host.disk_free_bytes = 2254857830ull;  // 2.1 GiB
  const json r = build_error_report(f.ctx, host);
  const std::string s = r["suggestion"];
  BOOST_TEST(s.find("Free space now on " + (f.tmp / "output").string() + ": 2.10 GB.") != std::string::npos, s);
  BOOST_TEST(r["system_info"]["disk_space_free_gb"].get<double>() == 2.1);
}

BOOST_AUTO_TEST_CASE(unknown_host_figures_are_null_not_zero) {
  FailedFile f;
  f.ctx.output_dir.clear();
  const json r = build_error_report(f.ctx, SystemInfo{});
  BOOST_TEST(r["system_info"]["disk_space_free_gb"].is_null());
  BOOST_TEST(r["system_info"]["disk_space_path"].is_null());
  BOOST_TEST(r["system_info"]["memory_available_gb"].is_null());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(error_report_file)

BOOST_AUTO_TEST_CASE(published_as_filename_error_json_whole_and_alone) {
  FailedFile f;
  const fs::path errors = f.tmp / "queue" / ".errors";  // created on demand
  const json r = build_error_report(f.ctx);
  const fs::path written = publish_error_report(errors, "vm-failed.vmdk", r);
  BOOST_TEST(written == errors / "vm-failed.vmdk.error.json");
  BOOST_TEST(json::parse(read_file(written)) == r);
  BOOST_TEST(read_file(written).find("\n  \"filename\": \"vm-failed.vmdk\",\n") != std::string::npos);  // for people

  // A second failure replaces the report through a rename: a new inode, and
  // nothing but the report in the folder (no temporary left behind).
  struct stat before {}, after {};
  BOOST_REQUIRE(::stat(written.c_str(), &before) == 0);
  f.ctx.retry_count = 2;
  publish_error_report(errors, "vm-failed.vmdk", build_error_report(f.ctx));
  BOOST_REQUIRE(::stat(written.c_str(), &after) == 0);
  BOOST_TEST(before.st_ino != after.st_ino);
  BOOST_TEST(json::parse(read_file(written))["retry_info"]["retry_count"] == 2);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(errors)) names.push_back(e.path().filename().string());
  BOOST_TEST(names == std::vector<std::string>{"vm-failed.vmdk.error.json"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_name_with_a_folder_in_it_is_refused_with_the_path) {
  FailedFile f;
  const fs::path errors = f.tmp / ".errors";
  expect_error([&] { publish_error_report(errors, "sub/vm.vmdk", json::object()); }, ErrorKind::Internal,
               "sub/vm.vmdk.error.json", "not a plain file name");
  expect_error([&] { publish_error_report(errors, "..", json::object()); }, ErrorKind::Internal, ".errors",
               "not a plain file name");
  BOOST_TEST(!fs::exists(errors / "sub"));
}

BOOST_AUTO_TEST_CASE(an_errors_dir_that_cannot_be_created_is_an_error_naming_it) {
  FailedFile f;
  write_file(f.tmp / "queue" / "notadir", "x");
  expect_error([&] { publish_error_report(f.tmp / "queue" / "notadir" / ".errors", "a.ova", json::object()); },
               ErrorKind::Io, "notadir", "cannot create the error report folder");
}

BOOST_AUTO_TEST_SUITE_END()
