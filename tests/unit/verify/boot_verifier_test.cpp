// verify_boot() with real qemu (TCG) on tiny disks whose boot is known: an
// empty disk (the BIOS finds nothing to boot) and a boot sector that spins
// forever without a word (a guest whose console is not on the serial port).
// The full guest boots are in tests/integration/verify-boot.sh.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include "engine/verify/boot_verifier.hpp"
#include "engine/verify/qmp_client.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

namespace {

// 1 MiB raw disk; with `spin`, an MBR whose code is `jmp $`.
fs::path make_disk(const fs::path& dir, bool spin) {
  std::string image(1 << 20, '\0');
  if (spin) {
    image[0] = '\xeb';  // jmp $ (EB FE)
    image[1] = '\xfe';
    image[510] = '\x55';
    image[511] = '\xaa';
  }
  const fs::path p = dir / (spin ? "spin.raw" : "empty.raw");
  write_file(p, image);
  return p;
}

BootVerifyRequest request_for(const fs::path& disk, const fs::path& scratch) {
  BootVerifyRequest r;
  r.subject = disk.string();
  r.disks = {{disk, "raw", "virtio"}};
  r.nics = {{"52:54:00:12:34:56", "virtio"}};
  r.memory_mib = 128;
  r.vcpus = 1;
  r.accel = AccelChoice::Tcg;   // never KVM in tests: nested KVM hangs guests here
  r.scratch_parent = scratch;
  r.timings.timeout = std::chrono::seconds(60);
  return r;
}

bool empty_folder(const fs::path& dir) { return fs::is_empty(dir); }

// Processes whose command line mentions `text` (our qemu names files in the scratch folder).
std::string processes_mentioning(const std::string& text) {
  return run_capture({"pgrep", "-af", text}).out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(boot_verifier)

BOOST_AUTO_TEST_CASE(a_disk_without_a_boot_loader_fails_on_the_firmware_message) {
  ScratchDir dir("verify-empty");
  const fs::path scratch = dir.path() / "tmp";
  fs::create_directories(scratch);
  const fs::path disk = make_disk(dir.path(), false);
  const std::string before = sha256_file(disk);
  std::vector<std::string> phases;
  auto v = verify_boot(request_for(disk, scratch), [&](const ProgressEvent& e) { phases.push_back(e.phase); },
                       CancelToken());
  BOOST_TEST(v.status == "failed");
  BOOST_TEST(!v.passed);
  BOOST_TEST(v.evidence == "serial");
  BOOST_TEST(v.evidence_line.find("No bootable device") != std::string::npos, v.evidence_line);
  BOOST_TEST(v.accel == "tcg");
  BOOST_TEST(v.stopped == "console_evidence");
  BOOST_TEST(v.seconds < 60);
  BOOST_TEST(!v.console_tail.empty());
  BOOST_TEST(v.reason.find("failed to boot on virtio (TCG)") != std::string::npos, v.reason);
  BOOST_TEST(!phases.empty());
  BOOST_TEST(phases.front() == "verify");
  BOOST_TEST(sha256_file(disk) == before);  // booted through an overlay
  BOOST_TEST(empty_folder(scratch));        // overlay, console log, QMP socket removed
  BOOST_TEST(processes_mentioning(scratch.string()).empty());
  const auto j = to_json(v);
  BOOST_TEST(j["status"] == "failed");
  BOOST_TEST(j["console_tail"].size() == v.console_tail.size());
}

BOOST_AUTO_TEST_CASE(a_silent_guest_is_powered_off_and_its_journal_looked_for) {
  // Silent on the serial port, idle disks: after the settle time the watch
  // asks for an ACPI power-off (a boot sector ignores it), quits qemu, and
  // reads the overlay with libguestfs: no OS, so nothing can tell.
  ScratchDir dir("verify-silent");
  const fs::path scratch = dir.path() / "tmp";
  fs::create_directories(scratch);
  auto r = request_for(make_disk(dir.path(), true), scratch);
  r.timings.silent_settle = std::chrono::seconds(4);
  r.timings.idle_window = std::chrono::seconds(3);
  r.timings.shutdown_grace = std::chrono::seconds(3);
  r.guestfs.backend = "direct";
  r.guestfs.backend_settings = "force_tcg";
  auto v = verify_boot(r, {}, CancelToken());
  BOOST_TEST(v.status == "inconclusive");
  BOOST_TEST(v.evidence == "none");
  BOOST_TEST(v.stopped == "silent_idle");
  BOOST_TEST(!v.guest_powered_off);  // it ignored the power button
  BOOST_TEST(v.seconds < 30);
  BOOST_TEST(v.reason.find("no operating system found") != std::string::npos, v.reason);
  BOOST_TEST(empty_folder(scratch));
  BOOST_TEST(processes_mentioning(scratch.string()).empty());
}

BOOST_AUTO_TEST_CASE(cancel_stops_qemu_and_cleans_up) {
  ScratchDir dir("verify-cancel");
  const fs::path scratch = dir.path() / "tmp";
  fs::create_directories(scratch);
  CancelToken cancel;
  std::thread canceller([cancel] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    cancel.cancel();
  });
  const auto t0 = std::chrono::steady_clock::now();
  expect_error([&] { verify_boot(request_for(make_disk(dir.path(), true), scratch), {}, cancel); },
               ErrorKind::Cancelled, "spin.raw", "cancelled");
  canceller.join();
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20)));
  BOOST_TEST(empty_folder(scratch));
  BOOST_TEST(processes_mentioning(scratch.string()).empty());
}

BOOST_AUTO_TEST_CASE(missing_tools_are_errors_naming_them) {
  ScratchDir dir("verify-tools");
  const fs::path disk = make_disk(dir.path(), false);
  auto r = request_for(disk, dir.path());
  r.qemu_binary = "qemu-system-nonexistent";
  auto msg = expect_error([&] { verify_boot(r, {}, CancelToken()); }, ErrorKind::Internal, "empty.raw",
                          "qemu-system-nonexistent");
  BOOST_TEST(msg.find("qemu-system-x86") != std::string::npos, msg);
  r = request_for(disk, dir.path());
  r.disks[0].format = "qcow2";  // a raw file is no qcow2: qemu-img refuses the overlay
  expect_error([&] { verify_boot(r, {}, CancelToken()); }, ErrorKind::Internal, "empty.raw", "overlay");
  // qemu's QMP socket must fit a unix socket address.
  const fs::path deep = dir.path() / std::string(100, 'd');
  fs::create_directories(deep);
  r = request_for(disk, deep);
  expect_error([&] { verify_boot(r, {}, CancelToken()); }, ErrorKind::Internal, "ddd", "set TMPDIR to a shorter folder");
  BOOST_TEST(fs::is_empty(deep));
}

BOOST_AUTO_TEST_CASE(qmp_client_talks_to_a_real_qemu) {
  ScratchDir dir("qmp");
  const fs::path sock = dir.path() / "qmp.sock";
  std::string status;
  std::string error;
  bool quit_sent = false;
  std::unique_ptr<QmpClient> qmp;
  SubprocessOptions sp;
  sp.timeout = std::chrono::seconds(30);
  sp.keep_running = [&] {
    if (quit_sent) return true;
    try {
      if (!qmp && fs::exists(sock)) qmp = std::make_unique<QmpClient>(sock, std::chrono::seconds(5));
      if (!qmp) return true;
      status = qmp->execute("query-status").value("status", "");
      try {
        qmp->execute("no-such-command");
      } catch (const std::runtime_error& e) {
        error = e.what();
      }
      qmp->execute("quit");
      quit_sent = true;
    } catch (const std::exception& e) {
      error = e.what();
      return false;
    }
    return true;
  };
  auto r = run_subprocess({"qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none", "-qmp",
                           "unix:" + sock.string() + ",server=on,wait=off"},
                          sp);
  BOOST_TEST(quit_sent);
  BOOST_TEST(r.exit_code == 0);   // quit: a clean exit
  BOOST_TEST(!r.timed_out);
  BOOST_TEST(status == "running");
  BOOST_TEST(error.find("no-such-command") != std::string::npos, error);
  BOOST_CHECK_THROW(QmpClient(dir.path() / "absent.sock", std::chrono::seconds(1)), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
