// The console classifier on real serial transcripts of the Debian 12 fixture
// (tests/data/verify/, captured from real boots) and on the messages other
// distributions print in the same situations.
#include <boost/test/unit_test.hpp>

#include "engine/verify/boot_evidence.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace h2k::test;

namespace {

std::string transcript(const std::string& name) {
  std::string text = read_file(data_dir("verify") / name);
  BOOST_TEST_REQUIRE(!text.empty(), "missing transcript " << name);
  return text;
}

// Feeds the text in chunks of `n` bytes: evidence must not depend on how the
// console file happened to grow between two reads.
ConsoleScan scan_in_chunks(const std::string& text, std::size_t n) {
  ConsoleScan scan;
  for (std::size_t i = 0; i < text.size(); i += n) scan.feed(std::string_view(text).substr(i, n));
  return scan;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(boot_evidence)

BOOST_AUTO_TEST_CASE(converted_guest_on_virtio_reaches_its_login_prompts) {
  const std::string text = transcript("debian12-converted-virtio-good.log");
  const ConsoleScan scan = scan_console(text);
  BOOST_TEST((scan.evidence().signal == BootSignal::Success));
  BOOST_TEST(scan.evidence().line == "[  OK  ] Reached target getty.target - Login Prompts.");
  BOOST_TEST(scan.os_output());
  for (std::size_t chunk : {1u, 7u, 4096u})
    BOOST_TEST(scan_in_chunks(text, chunk).evidence().line == scan.evidence().line, "chunk size " << chunk);
}

BOOST_AUTO_TEST_CASE(unconverted_guest_on_virtio_drops_to_the_initramfs_shell) {
  const std::string text = transcript("debian12-unconverted-virtio-no-root.log");
  const ConsoleScan scan = scan_console(text);
  BOOST_TEST((scan.evidence().signal == BootSignal::Fatal));
  // initramfs-tools gives up on the root device first; the shell follows.
  BOOST_TEST(scan.evidence().line == "Gave up waiting for root file system device.  Common problems:");
  BOOST_TEST(scan.os_output());
  const auto tail = scan.tail();
  BOOST_TEST_REQUIRE(!tail.empty());
  BOOST_TEST(tail.back() == "(initramfs)");  // the prompt, without a newline
  BOOST_TEST(std::count(tail.begin(), tail.end(), "ALERT!  /dev/sda1 does not exist.  Dropping to a shell!") == 1);
  for (std::size_t chunk : {1u, 13u, 65536u})
    BOOST_TEST(scan_in_chunks(text, chunk).evidence().line == scan.evidence().line, "chunk size " << chunk);
}

BOOST_AUTO_TEST_CASE(unconverted_guest_on_sata_boots) {
  const ConsoleScan scan = scan_console(transcript("debian12-unconverted-sata-good.log"));
  BOOST_TEST((scan.evidence().signal == BootSignal::Success));
  BOOST_TEST(scan.evidence().line == "[  OK  ] Reached target getty.target - Login Prompts.");
}

BOOST_AUTO_TEST_CASE(firmware_and_boot_loader_alone_are_a_silent_console) {
  // The start of a real transcript, up to GRUB loading the kernel: a guest
  // whose kernel does not write to ttyS0 shows exactly this much.
  const std::string text = transcript("debian12-converted-virtio-good.log");
  const auto kernel_starts = text.find("Linux version");
  BOOST_TEST_REQUIRE(kernel_starts != std::string::npos);
  const auto before_kernel = text.substr(0, text.rfind('\n', kernel_starts));
  const ConsoleScan scan = scan_console(before_kernel);
  BOOST_TEST(!scan.os_output());
  BOOST_TEST((scan.evidence().signal == BootSignal::None));
  BOOST_TEST(scan.bytes() == before_kernel.size());
}

BOOST_AUTO_TEST_CASE(emergency_mode_after_a_missing_filesystem) {
  // A real boot of the converted guest with an fstab line naming a disk the
  // VM does not have: systemd times out on the device, local-fs.target fails,
  // and in the same transaction reaches getty.target AND emergency.target.
  const std::string text = transcript("debian12-converted-virtio-emergency.log");
  const ConsoleScan scan = scan_console(text);
  BOOST_TEST((scan.evidence().signal == BootSignal::Fatal));
  BOOST_TEST(scan.evidence().line == "[DEPEND] Dependency failed for loca…s.target - Local File Systems.");
  BOOST_TEST(!scan.success_confirmed());
  for (std::size_t chunk : {1u, 61u})
    BOOST_TEST(scan_in_chunks(text, chunk).evidence().line == scan.evidence().line, "chunk size " << chunk);

  // Without the "Dependency failed" lines the login prompts' target comes
  // first; the emergency target two lines later still decides.
  std::string without;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    std::string line = text.substr(start, end - start);
    if (line.find("Dependency failed") == std::string::npos) without += line;
    start = end;
  }
  const ConsoleScan later = scan_console(without);
  BOOST_TEST((later.evidence().signal == BootSignal::Fatal));
  BOOST_TEST(later.evidence().line == "[  OK  ] Reached target emergency.target - Emergency Mode.");
}

BOOST_AUTO_TEST_CASE(success_stands_once_enough_lines_followed_it) {
  const std::string success = "[  OK  ] Reached target multi-user.target - Multi-User System.\n";
  std::string filler;
  for (std::size_t i = 0; i < ConsoleScan::kConfirmLines; ++i) filler += "[  OK  ] Started something.service.\n";
  // A fatal line right after a success overrides it ...
  BOOST_TEST((scan_console(success + "Kernel panic - not syncing: x\n").evidence().signal == BootSignal::Fatal));
  BOOST_TEST(!scan_console(success).success_confirmed());
  // ... one after kConfirmLines more lines (a panic while powering off) does not.
  const ConsoleScan confirmed = scan_console(success + filler + "more\n");
  BOOST_TEST(confirmed.success_confirmed());
  BOOST_TEST((scan_console(success + filler + "more\nKernel panic - not syncing: x\n").evidence().signal ==
              BootSignal::Success));
  // A fatal state first stays fatal, whatever follows.
  BOOST_TEST((scan_console("You are in emergency mode. After logging in...\nweb01 login: ").evidence().signal ==
              BootSignal::Fatal));
}

BOOST_AUTO_TEST_CASE(success_lines_of_other_systemd_versions_and_getty) {
  for (const char* line : {
           "[  OK  ] Reached target Multi-User System.",                        // systemd < 249 (RHEL 8, Ubuntu 20.04)
           "[  OK  ] Reached target Graphical Interface.",
           "[  OK  ] Reached target multi-user.target - Multi-User System.",    // systemd >= 249
           "[  OK  ] Reached target multi-user.…- Multi-User System.",          // ellipsized on a narrow console
           "[  OK  ] Reached target graphical.target - Graphical Interface.",
           "[   12.3] systemd[1]: Reached target getty.target - Login Prompts.",
           "web01 login:",
           "localhost.localdomain login:",
           "Startup finished in 2.1s (kernel) + 3.0s (initrd) + 9.8s (userspace) = 14.9s.",
       })
    BOOST_TEST((classify_line(line) == BootSignal::Success), line);
}

BOOST_AUTO_TEST_CASE(fatal_lines_of_initramfs_tools_dracut_systemd_and_the_kernel) {
  for (const char* line : {
           "[    2.1] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
           "Gave up waiting for root file system device.  Common problems:",
           "ALERT!  UUID=4832b0a1-0001 does not exist.  Dropping to a shell!",
           "(initramfs)",
           "You are in emergency mode. After logging in, type \"journalctl -xb\" to view",
           "Entering emergency mode. Exit the shell to continue.",
           "Give root password for maintenance",
           "dracut:/#",
           "[  190.4] dracut: FATAL: No or empty root= argument",
           "Warning: /dev/mapper/rhel-root does not exist  ... Could not boot.",
           "[  OK  ] Reached target emergency.target - Emergency Mode.",
           "[  OK  ] Reached target Rescue Mode.",
           "[DEPEND] Dependency failed for local-fs.target - Local File Systems.",
           "Dependency failed for Local File Systems.",
           "grub rescue>",
       })
    BOOST_TEST((classify_line(line) == BootSignal::Fatal), line);
}

BOOST_AUTO_TEST_CASE(lines_that_decide_nothing) {
  for (const char* line : {
           "Begin: Waiting for root file system ... Begin: Running /scripts/local-block ... done.",  // may just be slow
           "Gave up waiting for suspend/resume device",   // initramfs-tools boots on
           "[ TIME ] Timed out waiting for device dev-disk-by\\x2duuid-0badc0de.device.",  // nofail devices too
           "[DEPEND] Dependency failed for srv-data.mount - /srv/data.",
           "[  OK  ] Reached target basic.target - Basic System.",
           "[  OK  ] Reached target network-online.target - Network is Online.",
           "Last login: Tue Dec  2 10:00:00 on ttyS0",
           "pam_unix(login:session): session opened for user root",
           "Booting `Debian GNU/Linux'",
           "",
       })
    BOOST_TEST((classify_line(line) == BootSignal::None), line);
}

BOOST_AUTO_TEST_CASE(a_console_waiting_at_a_rescue_prompt_is_known) {
  // The verifier stops reading a failed boot's console there: the shell
  // waits for input, nothing more comes.
  ConsoleScan scan;
  scan.feed("Gave up waiting for root file system device.\r\nALERT!  /dev/sda1 does not exist.  Dropping to a shell!\r\n");
  BOOST_TEST((scan.evidence().signal == BootSignal::Fatal));
  BOOST_TEST(!scan.at_rescue_prompt());
  scan.feed("\r\n\r\nBusyBox v1.35.0 (Debian 1:1.35.0-4+b3) built-in shell (ash)\r\n");
  BOOST_TEST(!scan.at_rescue_prompt());
  scan.feed("Enter 'help' for a list of built-in commands.\r\n\r\n(initramfs) ");
  BOOST_TEST(scan.at_rescue_prompt());
  BOOST_TEST(scan.tail().back() == "(initramfs)");
  scan.feed("\r\n");  // the prompt was not the end after all
  BOOST_TEST(!scan.at_rescue_prompt());
  ConsoleScan dracut;
  dracut.feed("Entering emergency mode. Exit the shell to continue.\r\ndracut:/# ");
  BOOST_TEST(dracut.at_rescue_prompt());
  ConsoleScan login;
  login.feed("Debian GNU/Linux 12 web01 ttyS0\r\n\r\nweb01 login: ");
  BOOST_TEST(!login.at_rescue_prompt());
}

BOOST_AUTO_TEST_CASE(an_unfinished_line_is_judged_only_as_a_prompt) {
  BOOST_TEST((classify_prompt("web01 login: ") == BootSignal::Success));
  BOOST_TEST((classify_prompt("(initramfs) ") == BootSignal::Fatal));
  BOOST_TEST((classify_prompt("Gave up waiting for root") == BootSignal::None));
  // Cut mid-line, the decisive line is still quoted whole once it ends.
  ConsoleScan scan;
  scan.feed("Gave up waiting for root");
  BOOST_TEST((scan.evidence().signal == BootSignal::None));
  scan.feed(" file system device.  Common problems:\n");
  BOOST_TEST(scan.evidence().line == "Gave up waiting for root file system device.  Common problems:");
  scan = ConsoleScan();
  scan.feed("\r\nh2k-fixture login: ");
  BOOST_TEST((scan.evidence().signal == BootSignal::Success));
  BOOST_TEST(scan.evidence().line == "h2k-fixture login:");
}

BOOST_AUTO_TEST_CASE(clean_lines_drop_escapes_and_keep_utf8) {
  BOOST_TEST(clean_console_line("\x1b[0;32m  OK  \x1b[0m] Reached\r\t x \x1bM") == "  OK  ] Reached  x");
  BOOST_TEST(clean_console_line("box \xe2\x94\x8c\xe2\x94\x80 ok") == "box \xe2\x94\x8c\xe2\x94\x80 ok");
  BOOST_TEST(clean_console_line("bad \xff\xc3 byte") == "bad ?? byte");
  BOOST_TEST(clean_console_line("trailing   ") == "trailing");
}

BOOST_AUTO_TEST_CASE(tail_keeps_the_last_lines) {
  ConsoleScan scan(3);
  scan.feed("one\r\ntwo\n\nthree\nfour\nfiv");
  BOOST_TEST(scan.tail() == (std::vector<std::string>{"three", "four", "fiv"}));
  scan.feed("e\n");
  BOOST_TEST(scan.tail() == (std::vector<std::string>{"three", "four", "five"}));
}

BOOST_AUTO_TEST_SUITE_END()
