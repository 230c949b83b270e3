// The isolated runner is what keeps a conversion from hanging forever when
// the libguestfs appliance cannot start (broken nested KVM): these tests make
// the launch fail or hang for real and check the error a user would see and
// that no qemu is left running.
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "tests/unit/support/test_paths.hpp"
#include "engine/core/error.hpp"
#include "engine/guest/guest_fix_runner.hpp"
#include "guest_test_support.hpp"

using namespace h2k;
using namespace guest_test;

namespace {

const std::filesystem::path kChild = H2K_GUEST_FIX_CHILD;

// An empty raw disk: enough for libguestfs to accept the drive.
DiskForFix blank_disk(const ScratchDir& dir) {
  auto path = dir.path() / "blank.raw";
  { std::ofstream create(path); }
  std::filesystem::resize_file(path, 64 << 20);
  return {path, "raw"};
}

GuestFixOptions tcg_options(int launch_timeout_s) {
  GuestFixOptions o;   // defaults: direct backend, force_tcg
  o.guestfs.launch_timeout_s = launch_timeout_s;
  o.rebuild_initramfs = false;
  return o;
}

// A qemu wrapper that starts the real qemu paused (-S) when it is asked to
// boot the appliance for our disk: libguestfs' launch then hangs for good,
// exactly like an appliance stuck on broken nested KVM. It records the PID
// (exec keeps it) so the test can prove that this qemu ran and was killed.
std::filesystem::path write_hanging_qemu(const ScratchDir& dir) {
  auto script = dir.path() / "hanging-qemu.sh";
  std::ofstream(script) << "#!/bin/sh\n"
                        << "case \"$*\" in *" << dir.path().string() << "*) echo $$ > '"
                        << (dir.path() / "qemu.pid").string() << "';; esac\n"
                        << "exec qemu-system-x86_64 -S \"$@\"\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  return script;
}

bool pid_alive(const std::filesystem::path& pidfile) {
  std::ifstream in(pidfile);
  std::string pid;
  in >> pid;
  if (pid.empty()) return false;
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // A zombie ("Z") is dead already, only not yet reaped by its new parent.
  auto close = content.rfind(')');
  return !content.empty() && close != std::string::npos && content.compare(close + 2, 1, "Z") != 0;
}

template <typename F>
ConversionError expect_error(F&& f) {
  try {
    f();
  } catch (const ConversionError& e) {
    return e;
  }
  BOOST_FAIL("expected a ConversionError, the guest fix succeeded");
  throw;  // unreachable
}

}  // namespace

BOOST_AUTO_TEST_SUITE(guest_fix_runner)

BOOST_AUTO_TEST_CASE(unknown_backend_is_an_appliance_launch_error_naming_the_disk) {
  ScratchDir dir("backend");
  DiskForFix disk = blank_disk(dir);
  GuestFixOptions o = tcg_options(60);
  o.guestfs.backend = "no-such-backend";
  auto e = expect_error([&] { run_guest_fix_isolated({disk}, o, {}, {}, kChild, std::chrono::seconds(120)); });
  BOOST_TEST((e.kind() == ErrorKind::ApplianceLaunch));
  BOOST_TEST(e.file() == disk.path.string());
  BOOST_TEST(e.reason().find("no-such-backend") != std::string::npos, e.reason());
  BOOST_TEST(e.retryable());
}

BOOST_AUTO_TEST_CASE(slow_launch_is_killed_at_the_launch_deadline) {
  // A TCG launch takes tens of seconds; a 1 s deadline must stop it with the
  // hint a user needs, and leave no qemu behind.
  ScratchDir dir("deadline");
  DiskForFix disk = blank_disk(dir);
  auto e = expect_error([&] { run_guest_fix_isolated({disk}, tcg_options(1), {}, {}, kChild, std::chrono::seconds(600)); });
  BOOST_TEST((e.kind() == ErrorKind::ApplianceLaunch));
  BOOST_TEST(e.file() == disk.path.string());
  BOOST_TEST(e.reason().find("did not launch within 1 s") != std::string::npos, e.reason());
  BOOST_TEST(e.reason().find("force_tcg") != std::string::npos);
  BOOST_TEST(no_process_mentions(dir.path().string()), "a process still uses " << dir.path());
}

BOOST_AUTO_TEST_CASE(hung_appliance_is_killed_with_its_qemu) {
  ScratchDir dir("hung");
  DiskForFix disk = blank_disk(dir);
  ScopedEnv hv("LIBGUESTFS_HV", write_hanging_qemu(dir).string());
  auto e = expect_error([&] { run_guest_fix_isolated({disk}, tcg_options(15), {}, {}, kChild, std::chrono::seconds(600)); });
  BOOST_TEST((e.kind() == ErrorKind::ApplianceLaunch));
  BOOST_TEST(e.reason().find("did not launch within 15 s") != std::string::npos, e.reason());
  // The paused qemu really ran (else this test would prove nothing) ...
  BOOST_REQUIRE_MESSAGE(std::filesystem::exists(dir.path() / "qemu.pid"), "the hanging qemu was never started");
  // ... and is gone now, together with anything else using the disk.
  BOOST_TEST(no_process_mentions(dir.path().string()), "a process still uses " << dir.path());
  BOOST_TEST(!pid_alive(dir.path() / "qemu.pid"));
}

BOOST_AUTO_TEST_CASE(overall_timeout_is_a_timeout_error) {
  ScratchDir dir("overall");
  DiskForFix disk = blank_disk(dir);
  ScopedEnv hv("LIBGUESTFS_HV", write_hanging_qemu(dir).string());
  GuestFixOptions o = tcg_options(0);   // no launch deadline: only the overall one applies
  auto e = expect_error([&] { run_guest_fix_isolated({disk}, o, {}, {}, kChild, std::chrono::seconds(8)); });
  BOOST_TEST((e.kind() == ErrorKind::Timeout));
  BOOST_TEST(e.file() == disk.path.string());
  BOOST_TEST(e.reason().find("8 s") != std::string::npos, e.reason());
  BOOST_TEST(no_process_mentions(dir.path().string()), "a process still uses " << dir.path());
}

BOOST_AUTO_TEST_CASE(cancel_during_launch_stops_the_child) {
  ScratchDir dir("cancel");
  DiskForFix disk = blank_disk(dir);
  CancelToken cancel;
  std::vector<std::string> messages;
  // Cancel as soon as the child reports that it is starting the appliance.
  auto progress = [&](const ProgressEvent& ev) {
    messages.push_back(ev.message);
    cancel.cancel();
  };
  auto e = expect_error([&] { run_guest_fix_isolated({disk}, tcg_options(600), progress, cancel, kChild, std::chrono::seconds(600)); });
  BOOST_TEST((e.kind() == ErrorKind::Cancelled));
  BOOST_REQUIRE(!messages.empty());
  BOOST_TEST(messages.front() == "starting the libguestfs appliance");
  BOOST_TEST(no_process_mentions(dir.path().string()), "a process still uses " << dir.path());
}

BOOST_AUTO_TEST_CASE(child_without_a_result_is_an_error_with_its_stderr) {
  ScratchDir dir("crash");
  DiskForFix disk = blank_disk(dir);
  auto script = dir.path() / "crashing-child.sh";
  std::ofstream(script) << "#!/bin/sh\necho 'segfault in libfoo' >&2\nkill -SEGV $$\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  auto e = expect_error([&] { run_guest_fix_isolated({disk}, tcg_options(60), {}, {}, script, std::chrono::seconds(60)); });
  BOOST_TEST((e.kind() == ErrorKind::Internal));
  BOOST_TEST(e.file() == disk.path.string());
  BOOST_TEST(e.reason().find("signal 11") != std::string::npos, e.reason());
  BOOST_TEST(e.reason().find("segfault in libfoo") != std::string::npos, e.reason());
}

BOOST_AUTO_TEST_CASE(missing_disk_is_reported_by_the_child_naming_the_disk) {
  ScratchDir dir("missing");
  DiskForFix disk{dir.path() / "does-not-exist.qcow2", "qcow2"};
  auto e = expect_error([&] { run_guest_fix_isolated({disk}, tcg_options(60), {}, {}, kChild, std::chrono::seconds(60)); });
  BOOST_TEST((e.kind() == ErrorKind::InvalidInput));
  BOOST_TEST(e.file() == disk.path.string());
}

BOOST_AUTO_TEST_SUITE_END()
