// The converter's actor-free part: daemon.yaml `conversion:` settings reach
// the engine's ConvertRequest, and a failed verification boot reaches the job
// outcome with its console tail (the .error.json `details`).
#include <boost/test/unit_test.hpp>

#include "actors/converter/conversion_task.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

namespace {
msg::job_assignment assignment(const std::string& id, const std::string& source, const std::string& subdir) {
  msg::job_assignment a;
  a.job_id = id;
  a.epoch = 1;
  a.holder = "local/slot-1";
  a.source_root = "watch";
  a.sources = {source};
  a.file_type = std::filesystem::path(source).extension().string().substr(1);
  a.attempt = 1;
  a.output_subdir = subdir;
  a.staging_tag = id + ".e1.0badcafe";
  return a;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(conversion_task)

BOOST_AUTO_TEST_CASE(verification_boot_settings_reach_the_request) {
  ConverterSettings s;
  s.watch_root = "/srv/queue";
  s.output_root = "/srv/out";
  msg::job_assignment job = assignment("job-1", "web01.ova", "2026-12-03");
  ConvertRequest off = make_convert_request(s, job);
  BOOST_TEST(!off.verify_boot);  // off unless configured: it costs a boot
  BOOST_TEST(off.verify_boot_timeout_s == 300);
  BOOST_TEST(off.verify_boot_accel == "auto");

  s.conversion.verify_boot = true;
  s.conversion.verify_boot_timeout_s = 600;
  s.conversion.verify_boot_accel = AccelChoice::Tcg;
  ConvertRequest on = make_convert_request(s, job);
  BOOST_TEST(on.verify_boot);
  BOOST_TEST(on.verify_boot_timeout_s == 600);
  BOOST_TEST(on.verify_boot_accel == "tcg");
  BOOST_TEST(on.source == fs::path("/srv/queue/web01.ova"));
  BOOST_TEST(on.output_dir == fs::path("/srv/out/2026-12-03"));
  BOOST_TEST(on.staging_tag == "job-1.e1.0badcafe", "the staging folder is named after the lease");
  BOOST_TEST(on.node == "local", "the report names the node of the lease's slot");
}

BOOST_AUTO_TEST_CASE(the_source_path_follows_the_named_root) {
  ConverterSettings s;
  s.watch_root = "/srv/queue";
  s.output_root = "/srv/out";
  msg::job_assignment watch = assignment("job-1", "dc/web01.ova", "2026-12-03");
  BOOST_TEST(source_path(s, watch) == fs::path("/srv/queue/dc/web01.ova"));
  BOOST_TEST(make_convert_request(s, watch).source == fs::path("/srv/queue/dc/web01.ova"));
  // queue-job of a file outside the queue: read where it is, never under the watch root.
  msg::job_assignment external = assignment("job-2", "/home/op/images/legacy.qcow2", "2026-12-03");
  external.source_root = "external";
  BOOST_TEST(source_path(s, external) == fs::path("/home/op/images/legacy.qcow2"));
  BOOST_TEST(make_convert_request(s, external).source == fs::path("/home/op/images/legacy.qcow2"));
}

BOOST_AUTO_TEST_CASE(source_vm_name_is_the_inputs_own_name_whatever_is_published) {
  // Choosing a free folder is the scheduler's job now (reserve_output): the
  // converter reports the VM's own name even when a folder of that name
  // already exists, so two exports of the same VM are told apart by the store.
  ScratchDir dir("converter-name");
  const fs::path queue = dir.path() / "queue";
  const fs::path out = dir.path() / "out";
  fs::create_directories(queue);
  fs::create_directories(out / "2026-12-03" / "web01");
  qemu_create(queue / "web01.qcow2", "qcow2", "1M");
  ConverterSettings s;
  s.watch_root = queue;
  s.output_root = out;
  ConvertRequest req = make_convert_request(s, assignment("job-3", "web01.qcow2", "2026-12-03"));
  BOOST_TEST(source_vm_name(req) == "web01");
}

BOOST_AUTO_TEST_CASE(the_verify_phase_sits_between_check_and_output_in_the_job_bar) {
  ProgressEvent e;
  e.phase = "check";
  e.percent = 100;
  const double check_done = job_percent(e);
  e.phase = "verify";
  e.percent = 0;
  BOOST_TEST(job_percent(e) >= check_done);
  e.percent = 100;
  const double verify_done = job_percent(e);
  e.phase = "output";
  e.percent = 0;
  BOOST_TEST(job_percent(e) >= verify_done);
}

BOOST_AUTO_TEST_CASE(a_cluster_converter_hands_a_windows_guest_it_cannot_drive_back_saying_what_it_needs) {
  ConverterSettings s;
  s.watch_root = "/srv/queue";
  s.output_root = "/srv/out";
  const msg::job_assignment job = assignment("job-3", "win.vmdk", "2026-12-04");
  BOOST_TEST(!make_convert_request(s, job).guest.windows_requires_virtio_win);  // one host: emulated devices
  s.windows_requires_virtio_win = true;                                        // a cluster converter node
  BOOST_TEST(make_convert_request(s, job).guest.windows_requires_virtio_win);

  msg::job_outcome o;
  set_failure(o, ConversionError(ErrorKind::MissingCapability, "",
                                 "a Windows guest, and this node cannot give it virtio drivers"),
              "guest");
  BOOST_TEST(o.status == "failed");
  BOOST_TEST(o.error_kind == "missing_capability");
  BOOST_TEST(o.phase == "guest");
  BOOST_TEST(o.needs == std::vector<std::string>{"virtio-win"}, boost::test_tools::per_element());

  msg::job_outcome other;
  set_failure(other, ConversionError(ErrorKind::GuestFix, "/etc/fstab", "cannot parse"), "guest");
  BOOST_TEST(other.needs.empty());  // any other failure asks for nothing
  BOOST_TEST(other.error_file == "/etc/fstab");
}

BOOST_AUTO_TEST_CASE(a_failed_verification_boot_fails_the_job_with_the_console_tail) {
  // A real conversion of a disk with nothing to boot: the firmware says so on
  // the serial console within seconds (qemu under TCG).
  ScratchDir dir("converter-verify");
  const fs::path queue = dir.path() / "queue";
  const fs::path out = dir.path() / "out";
  fs::create_directories(queue);
  fs::create_directories(out / "2026-12-03");
  qemu_create(queue / "blank.qcow2", "qcow2", "16M");
  ConverterSettings s;
  s.watch_root = queue;
  s.output_root = out;
  s.conversion.guest_fixes = false;  // nothing to fix: no OS
  s.conversion.verify_boot = true;
  s.conversion.verify_boot_timeout_s = 120;
  s.conversion.verify_boot_accel = AccelChoice::Tcg;
  ConvertRequest req = make_convert_request(s, assignment("job-9", "blank.qcow2", "2026-12-03"));
  req.validate_xml = false;
  LogTail log;
  msg::job_outcome o = run_conversion(req, "job-9", out, {}, CancelToken(), log);
  BOOST_TEST(o.status == "failed");
  BOOST_TEST(o.error_kind == "guest_fix");  // permanent: the scheduler does not retry it
  BOOST_TEST(o.phase == "verify");
  BOOST_TEST(o.error.find("blank.qcow2: the converted guest failed to boot on virtio (TCG)") != std::string::npos,
             o.error);
  BOOST_TEST(o.error.find("No bootable device") != std::string::npos, o.error);
  BOOST_TEST_REQUIRE(!o.error_details.empty());
  BOOST_TEST(std::count_if(o.error_details.begin(), o.error_details.end(), [](const std::string& l) {
               return l.find("No bootable device") != std::string::npos;
             }) >= 1);
  BOOST_TEST(fs::is_empty(out / "2026-12-03"));  // nothing published, no staging left
}

BOOST_AUTO_TEST_SUITE_END()
