#include <boost/test/unit_test.hpp>

#include "engine/guest/linux/rewriters.hpp"
#include "linux_guest_test_support.hpp"

using namespace h2k::linux_guest;
using namespace h2k::linux_guest::testing;
using Calls = std::vector<std::pair<std::string, std::string>>;

namespace {
std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(kernel_cmdline)

BOOST_AUTO_TEST_CASE(debian12_grub_cfg_linux_lines_get_uuids_and_grub_root_is_untouched) {
  FakeResolver resolver;
  const std::string in = read_data("grub.cfg-debian12");
  auto r = rewrite_kernel_cmdline_text(in, resolver.fn());
  std::string expected = replace_all(in, "root=/dev/sda1", "root=UUID=" + sda_uuid(1));
  expected = replace_all(expected, "resume=/dev/sda5", "resume=UUID=" + sda_uuid(5));
  BOOST_TEST(r.content == expected);
  // GRUB's own "set root='hd0,msdos1'" and "--set=root" are not kernel parameters.
  BOOST_TEST(r.content.find("set root='hd0,msdos1'") != std::string::npos);
  BOOST_TEST(r.content.find("--fs-uuid --set=root 0c5a5a4e") != std::string::npos);
  BOOST_REQUIRE_EQUAL(r.changes.size(), 2u);
  BOOST_TEST(r.changes[0].line == line_of(in, "root=/dev/sda1 ro resume"));
  BOOST_TEST(r.changes[0].after ==
             "\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=UUID=" + sda_uuid(1) + " ro resume=UUID=" + sda_uuid(5) + " quiet");
  BOOST_TEST((resolver.calls == Calls{{"/dev/sda1", "/"}, {"/dev/sda5", "swap"}, {"/dev/sda1", "/"}, {"/dev/sda5", "swap"}}));
}

BOOST_AUTO_TEST_CASE(rhel9_bls_options_line_is_rewritten_keeping_tuned_variables) {
  FakeResolver resolver;
  const std::string in = read_data("bls-rhel9-entry.conf");
  auto r = rewrite_kernel_cmdline_text(in, resolver.fn());
  BOOST_REQUIRE_EQUAL(r.changes.size(), 1u);
  BOOST_TEST(r.changes[0].line == 5);
  BOOST_TEST(r.changes[0].after == "options root=UUID=" + sda_uuid(2) +
                                       " ro crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M resume=UUID=" + sda_uuid(3) +
                                       " rhgb quiet $tuned_params");
  BOOST_TEST(r.content == replace_all(in, r.changes[0].before, r.changes[0].after));
}

BOOST_AUTO_TEST_CASE(etc_kernel_cmdline_without_final_newline_stays_without) {
  FakeResolver resolver;
  auto r = rewrite_kernel_cmdline_text("root=/dev/sda2 ro resume=/dev/sda3 resume_offset=34816 rhgb quiet", resolver.fn());
  BOOST_TEST(r.content == "root=UUID=" + sda_uuid(2) + " ro resume=UUID=" + sda_uuid(3) +
                              " resume_offset=34816 rhgb quiet");
}

BOOST_AUTO_TEST_CASE(stable_roots_are_not_touched_or_looked_up) {
  FakeResolver resolver;
  const std::string in =
      "linux /vmlinuz root=UUID=" + sda_uuid(1) + " ro\n"
      "linux /vmlinuz root=LABEL=root resume=PARTUUID=5d0f9c2a-03\n"
      "options root=/dev/mapper/rhel-root ro resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root\n"
      "options root=ZFS=rpool/ROOT/debian boot=zfs\n"
      "linux /vmlinuz root=/dev/vda1 noresume\n";
  auto r = rewrite_kernel_cmdline_text(in, resolver.fn());
  BOOST_TEST(r.content == in);
  BOOST_TEST(!r.changed());
  BOOST_TEST(resolver.calls.empty());
}

BOOST_AUTO_TEST_CASE(quoted_values_keep_their_quotes) {
  FakeResolver resolver;
  auto r = rewrite_kernel_cmdline_text("GRUB_CMDLINE_LINUX='root=\"/dev/sda1\" quiet'\n", resolver.fn());
  BOOST_TEST(r.content == "GRUB_CMDLINE_LINUX='root=\"UUID=" + sda_uuid(1) + "\" quiet'\n");
}

BOOST_AUTO_TEST_CASE(grubenv_kernelopts_is_recognised) {
  FakeResolver resolver;
  auto r = rewrite_kernel_cmdline_text("# GRUB Environment Block\nkernelopts=root=/dev/sda2 ro rhgb quiet\n", resolver.fn());
  BOOST_TEST(r.content == "# GRUB Environment Block\nkernelopts=root=UUID=" + sda_uuid(2) + " ro rhgb quiet\n");
}

BOOST_AUTO_TEST_CASE(parameters_that_only_end_in_root_are_not_root) {
  FakeResolver resolver;
  const std::string in = "linux /vmlinuz real_root=/dev/sdb3 GRUB_root=/dev/sdb1 cryptroot=/dev/sdb2\n";
  auto r = rewrite_kernel_cmdline_text(in, resolver.fn());
  BOOST_TEST(r.content == in);
  BOOST_TEST(resolver.calls.empty());
}

BOOST_AUTO_TEST_CASE(unresolvable_root_is_warned_and_kept) {
  FakeResolver resolver;
  const std::string in = "GRUB_CMDLINE_LINUX=\"root=/dev/sdb1 resume=/dev/sda5\"\n";
  auto r = rewrite_kernel_cmdline_text(in, resolver.fn());
  BOOST_TEST(r.content == "GRUB_CMDLINE_LINUX=\"root=/dev/sdb1 resume=UUID=" + sda_uuid(5) + "\"\n");
  BOOST_REQUIRE_EQUAL(r.warnings.size(), 1u);
  BOOST_TEST(r.warnings[0].find("line 1") != std::string::npos);
  BOOST_TEST(r.warnings[0].find("root=/dev/sdb1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(commented_out_command_lines_are_not_booted_and_not_changed) {
  FakeResolver resolver;
  const std::string in = "#GRUB_CMDLINE_LINUX=\"root=/dev/sda1\"\n   # linux /vmlinuz root=/dev/sda1\n";
  auto r = rewrite_kernel_cmdline_text(in, resolver.fn());
  BOOST_TEST(r.content == in);
  BOOST_TEST(resolver.calls.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(default_grub)

BOOST_AUTO_TEST_CASE(stock_debian12_defaults_are_left_byte_identical) {
  FakeResolver resolver;
  const std::string in = read_data("default-grub-debian12");
  auto r = rewrite_default_grub(in, resolver.fn());
  BOOST_TEST(r.content == in);   // "#GRUB_DISABLE_LINUX_UUID=true" is a comment already
  BOOST_TEST(!r.changed());
}

BOOST_AUTO_TEST_CASE(debian_disable_linux_uuid_is_commented_out_and_resume_rewritten) {
  FakeResolver resolver;
  const std::string in = read_data("default-grub-debian12-nouuid");
  auto r = rewrite_default_grub(in, resolver.fn());
  BOOST_TEST(r.content == read_data("default-grub-debian12-nouuid.expected"));
  BOOST_REQUIRE_EQUAL(r.changes.size(), 2u);
  BOOST_TEST(r.changes[0].line == line_of(in, "GRUB_CMDLINE_LINUX=\"resume"));
  BOOST_TEST(r.changes[0].before == "GRUB_CMDLINE_LINUX=\"resume=/dev/sda5 net.ifnames=1\"");
  BOOST_TEST(r.changes[1].line == line_of(in, "\nGRUB_DISABLE_LINUX_UUID=true") + 1);
  BOOST_TEST(r.changes[1].before == "GRUB_DISABLE_LINUX_UUID=true");
  BOOST_TEST(r.changes[1].after == "# hyper2kvm: was GRUB_DISABLE_LINUX_UUID=true");
}

BOOST_AUTO_TEST_CASE(rhel9_quoted_true_is_handled) {
  FakeResolver resolver;
  auto r = rewrite_default_grub(read_data("default-grub-rhel9-sda"), resolver.fn());
  BOOST_TEST(r.content == read_data("default-grub-rhel9-sda.expected"));
  BOOST_TEST(r.changes.size() == 2u);
}

BOOST_AUTO_TEST_CASE(running_twice_changes_nothing_the_second_time) {
  FakeResolver resolver;
  const std::string once = read_data("default-grub-debian12-nouuid.expected");
  auto r = rewrite_default_grub(once, resolver.fn());
  BOOST_TEST(r.content == once);
  BOOST_TEST(!r.changed());
}

BOOST_AUTO_TEST_CASE(rhel8_lvm_defaults_need_nothing) {
  FakeResolver resolver;
  const std::string in = read_data("default-grub-rhel8-lvm");
  auto r = rewrite_default_grub(in, resolver.fn());
  BOOST_TEST(r.content == in);
  BOOST_TEST(!r.changed());
}

BOOST_AUTO_TEST_CASE(only_a_real_true_assignment_is_commented_out) {
  FakeResolver resolver;
  const std::string keep = "GRUB_DISABLE_LINUX_UUID=false\nGRUB_DISABLE_LINUX_UUID_X=true\nGRUB_DISABLE_LINUX_UUID=truex\n";
  BOOST_TEST(rewrite_default_grub(keep, resolver.fn()).content == keep);
  auto r = rewrite_default_grub("GRUB_DISABLE_LINUX_UUID='true'  # forced by admin\nexport GRUB_DISABLE_LINUX_UUID=true\n",
                                resolver.fn());
  BOOST_TEST(r.content == "# hyper2kvm: was GRUB_DISABLE_LINUX_UUID='true'  # forced by admin\n"
                          "# hyper2kvm: was export GRUB_DISABLE_LINUX_UUID=true\n");
}

BOOST_AUTO_TEST_SUITE_END()
