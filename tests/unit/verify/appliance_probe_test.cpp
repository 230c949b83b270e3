// The accelerator a host settles on at start: the decision (pure), and the
// timed appliance launch it rests on (a real libguestfs appliance, TCG).
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>
#include <thread>

#include "tests/unit/support/test_paths.hpp"
#include "engine/verify/appliance_probe.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace h2k::test;
using namespace std::chrono_literals;

namespace {

const std::filesystem::path kChild = H2K_APPLIANCE_PROBE_CHILD;

// A launch that must not happen: the decision needs no probe.
ApplianceLaunchTiming no_launch_expected() {
  BOOST_ERROR("an appliance launch was timed where none was needed");
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

GuestfsSettings tcg_settings() {
  GuestfsSettings s;
  s.backend_settings = "force_tcg";
  s.memsize_mib = 512;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(host_accel)

BOOST_AUTO_TEST_CASE(nothing_is_launched_where_the_answer_is_already_known) {
  HostAccel forced = decide_host_accel(AccelChoice::Auto, "force_tcg", true, 180s, no_launch_expected);
  BOOST_TEST((forced.accel == Accel::Tcg));
  BOOST_TEST(forced.backend_settings == "force_tcg");
  BOOST_TEST(contains(forced.why, "force_tcg"));
  BOOST_TEST(!forced.fell_back);

  HostAccel no_device = decide_host_accel(AccelChoice::Auto, "", false, 180s, no_launch_expected);
  BOOST_TEST((no_device.accel == Accel::Tcg));
  BOOST_TEST(contains(no_device.why, "/dev/kvm"));
  BOOST_TEST(no_device.backend_settings == "");  // libguestfs itself uses TCG without /dev/kvm

  HostAccel untimed = decide_host_accel(AccelChoice::Auto, "", true, 0s, no_launch_expected);
  BOOST_TEST((untimed.accel == Accel::Kvm));
  BOOST_TEST(contains(untimed.why, "kvm_probe_timeout: 0"));

  HostAccel asked = decide_host_accel(AccelChoice::Tcg, "", true, 180s, no_launch_expected);
  BOOST_TEST((asked.accel == Accel::Tcg));
  BOOST_TEST(contains(asked.why, "verify_boot_accel: tcg"));
}

BOOST_AUTO_TEST_CASE(kvm_is_kept_only_if_an_appliance_launched_with_it) {
  int launches = 0;
  HostAccel works = decide_host_accel(AccelChoice::Auto, "", true, 180s, [&] {
    ++launches;
    return ApplianceLaunchTiming{true, 3.25, ""};
  });
  BOOST_TEST(launches == 1);
  BOOST_TEST((works.accel == Accel::Kvm));
  BOOST_TEST(works.backend_settings == "");
  BOOST_TEST(contains(works.why, "launched with KVM in 3.2 s"), works.why);

  HostAccel hangs = decide_host_accel(AccelChoice::Auto, "gdb=0", true, 180s, [&] {
    ++launches;
    return ApplianceLaunchTiming{false, 180, "no appliance within 180 s (a hung KVM guest: nested KVM?)"};
  });
  BOOST_TEST(launches == 2);
  BOOST_TEST((hangs.accel == Accel::Tcg));
  BOOST_TEST(hangs.fell_back);
  // The conversions must not try KVM either: choose_accel agrees afterwards.
  BOOST_TEST(hangs.backend_settings == "gdb=0,force_tcg");
  BOOST_TEST((choose_accel(AccelChoice::Auto, hangs.backend_settings, true) == Accel::Tcg));
  BOOST_TEST(contains(hangs.why, "no appliance within 180 s"));
  BOOST_TEST(contains(hangs.why, "falling back to TCG"));

  HostAccel empty = decide_host_accel(AccelChoice::Auto, "", true, 180s, [] {
    return ApplianceLaunchTiming{false, 1, "failed: could not open /dev/kvm"};
  });
  BOOST_TEST(empty.backend_settings == "force_tcg");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(appliance_launch_timing)

BOOST_AUTO_TEST_CASE(a_real_appliance_launch_is_timed) {
  ApplianceLaunchTiming t = time_appliance_launch(tcg_settings(), kChild, 900s);
  BOOST_TEST(t.launched, "problem: " << t.problem);
  BOOST_TEST(t.seconds > 0.5);  // a TCG appliance takes tens of seconds
  BOOST_TEST(t.problem.empty());
}

BOOST_AUTO_TEST_CASE(a_launch_past_its_deadline_is_killed_with_its_appliance) {
  ApplianceLaunchTiming t = time_appliance_launch(tcg_settings(), kChild, 1s);
  BOOST_TEST(!t.launched);
  BOOST_TEST(contains(t.problem, "no appliance within 1 s"), t.problem);
  BOOST_TEST(t.seconds < 60);
  // Nothing the child started runs on: qemu names the probe's scratch disk.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    // (The pattern does not match its own text, so the shell running pgrep is not found.)
    gone = std::system("pgrep -f 'h2k-appliance-probe-[A-Za-z0-9]{6}[.]img' >/dev/null") != 0;
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  BOOST_TEST(gone, "a process of the killed probe is still running");
}

BOOST_AUTO_TEST_CASE(a_failed_launch_says_why) {
  GuestfsSettings bad = tcg_settings();
  bad.backend = "no-such-backend";
  ApplianceLaunchTiming t = time_appliance_launch(bad, kChild, 120s);
  BOOST_TEST(!t.launched);
  BOOST_TEST(contains(t.problem, "failed: "), t.problem);
  BOOST_TEST(contains(t.problem, "no-such-backend"), t.problem);
}

BOOST_AUTO_TEST_SUITE_END()
