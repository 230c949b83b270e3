#include <boost/test/unit_test.hpp>

#include "engine/guest/linux/rewriters.hpp"
#include "linux_guest_test_support.hpp"

using namespace h2k::linux_guest;
using namespace h2k::linux_guest::testing;

namespace {
std::vector<std::string> added_lines(const RewriteResult& r) {
  std::vector<std::string> out;
  for (const auto& c : r.changes) {
    BOOST_TEST(c.line == 0);
    BOOST_TEST(c.before.empty());
    out.push_back(c.after);
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(initramfs_tools)

BOOST_AUTO_TEST_CASE(the_default_module_set_is_the_virtio_drivers_a_kvm_guest_boots_with) {
  BOOST_TEST((kVirtioModules ==
              std::vector<std::string>{"virtio_blk", "virtio_scsi", "virtio_net", "virtio_pci", "virtio_console"}));
}

BOOST_AUTO_TEST_CASE(stock_debian12_modules_file_gets_the_virtio_drivers_appended) {
  auto r = add_initramfs_tools_modules(read_data("initramfs-tools-modules-debian12"));
  BOOST_TEST(r.content == read_data("initramfs-tools-modules-debian12.expected"));
  BOOST_TEST((added_lines(r) == kVirtioModules));
}

BOOST_AUTO_TEST_CASE(adding_twice_changes_nothing_the_second_time) {
  const std::string once = read_data("initramfs-tools-modules-debian12.expected");
  auto r = add_initramfs_tools_modules(once);
  BOOST_TEST(r.content == once);
  BOOST_TEST(!r.changed());
}

BOOST_AUTO_TEST_CASE(existing_entries_count_but_commented_ones_do_not) {
  // virtio-blk is virtio_blk to modprobe; "virtio_net napi_tx=1" has parameters;
  // "# virtio_scsi" is a comment. The file has no final newline.
  const std::string in = read_data("initramfs-tools-modules-edited");
  auto r = add_initramfs_tools_modules(in);
  BOOST_TEST(r.content == in + "\n# hyper2kvm: virtio drivers, so the converted guest finds its disks on KVM\n"
                               "virtio_scsi\nvirtio_pci\nvirtio_console\n");
  BOOST_TEST((added_lines(r) == std::vector<std::string>{"virtio_scsi", "virtio_pci", "virtio_console"}));
  auto again = add_initramfs_tools_modules(r.content);
  BOOST_TEST(again.content == r.content);
  BOOST_TEST(!again.changed());
}

BOOST_AUTO_TEST_CASE(a_later_addition_does_not_repeat_the_header) {
  const std::string once = read_data("initramfs-tools-modules-debian12.expected");
  auto r = add_initramfs_tools_modules(once, {"virtio_blk", "virtio_rng"});
  BOOST_TEST(r.content == once + "virtio_rng\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dracut)

BOOST_AUTO_TEST_CASE(conf_adds_the_drivers_with_the_spaces_dracut_needs) {
  const std::string conf = dracut_virtio_conf();
  BOOST_TEST(conf.back() == '\n');
  std::vector<std::string> settings;
  std::size_t start = 0;
  while (start < conf.size()) {
    std::size_t nl = conf.find('\n', start);
    std::string line = conf.substr(start, nl - start);
    start = nl + 1;
    if (!line.empty() && line[0] != '#') settings.push_back(line);
  }
  BOOST_TEST((settings ==
              std::vector<std::string>{"add_drivers+=\" virtio_blk virtio_scsi virtio_net virtio_pci virtio_console \""}));
}

BOOST_AUTO_TEST_CASE(conf_takes_a_custom_module_list) {
  BOOST_TEST(dracut_virtio_conf({"virtio_blk"}).find("add_drivers+=\" virtio_blk \"\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(mkinitcpio)

BOOST_AUTO_TEST_CASE(arch_empty_modules_array_is_filled_and_the_example_comment_is_not) {
  const std::string in = read_data("mkinitcpio.conf-arch");
  auto r = add_mkinitcpio_modules(in);
  BOOST_TEST(r.content == read_data("mkinitcpio.conf-arch.expected"));
  BOOST_REQUIRE_EQUAL(r.changes.size(), 1u);
  BOOST_TEST(r.changes[0].line == 7);
  BOOST_TEST(r.changes[0].before == "MODULES=()");
  BOOST_TEST(r.changes[0].after == "MODULES=(virtio_blk virtio_scsi virtio_net virtio_pci virtio_console)");
}

BOOST_AUTO_TEST_CASE(arch_adding_twice_changes_nothing_the_second_time) {
  const std::string once = read_data("mkinitcpio.conf-arch.expected");
  auto r = add_mkinitcpio_modules(once);
  BOOST_TEST(r.content == once);
  BOOST_TEST(!r.changed());
}

BOOST_AUTO_TEST_CASE(old_string_form_keeps_its_modules_and_quotes) {
  const std::string in = read_data("mkinitcpio.conf-old-string");
  auto r = add_mkinitcpio_modules(in);
  const std::string from = "MODULES=\"vmw_pvscsi vmxnet3\"";
  const std::string to = "MODULES=\"vmw_pvscsi vmxnet3 virtio_blk virtio_scsi virtio_net virtio_pci virtio_console\"";
  std::string expected = in;
  expected.replace(expected.find(from), from.size(), to);
  BOOST_TEST(r.content == expected);
  BOOST_TEST(add_mkinitcpio_modules(r.content).content == r.content);
}

BOOST_AUTO_TEST_CASE(multi_line_array_gets_one_module_per_line_in_its_indentation) {
  const std::string in = "MODULES=(\n    vmw_pvscsi  # VMware disk\n    virtio_blk\n)\nHOOKS=(base udev block)\n";
  auto r = add_mkinitcpio_modules(in);
  BOOST_TEST(r.content ==
             "MODULES=(\n    vmw_pvscsi  # VMware disk\n    virtio_blk\n"
             "    virtio_scsi\n    virtio_net\n    virtio_pci\n    virtio_console\n)\nHOOKS=(base udev block)\n");
  BOOST_TEST(add_mkinitcpio_modules(r.content).content == r.content);
}

BOOST_AUTO_TEST_CASE(array_with_items_gets_the_missing_ones_after_them) {
  auto r = add_mkinitcpio_modules("MODULES=( vmw_pvscsi virtio-net ) # early\n");
  BOOST_TEST(r.content == "MODULES=( vmw_pvscsi virtio-net virtio_blk virtio_scsi virtio_pci virtio_console ) # early\n");
}

BOOST_AUTO_TEST_CASE(only_the_last_assignment_counts) {
  auto r = add_mkinitcpio_modules("MODULES=(a)\nMODULES=(b)\n", {"virtio_blk"});
  BOOST_TEST(r.content == "MODULES=(a)\nMODULES=(b virtio_blk)\n");
}

BOOST_AUTO_TEST_CASE(missing_or_bare_modules_setting) {
  auto appended = add_mkinitcpio_modules("HOOKS=(base udev)", {"virtio_blk", "virtio_pci"});
  BOOST_TEST(appended.content ==
             "HOOKS=(base udev)\n# hyper2kvm: virtio drivers, so the converted guest finds its disks on KVM\n"
             "MODULES=(virtio_blk virtio_pci)\n");
  BOOST_TEST(add_mkinitcpio_modules("MODULES=\n", {"virtio_blk"}).content == "MODULES=\"virtio_blk\"\n");
  BOOST_TEST(add_mkinitcpio_modules("MODULES=ahci\n", {"virtio_blk"}).content == "MODULES=\"ahci virtio_blk\"\n");
}

BOOST_AUTO_TEST_CASE(unterminated_array_is_warned_about_and_left) {
  const std::string in = "MODULES=(virtio_blk\nHOOKS=(base\n";
  auto r = add_mkinitcpio_modules(in);
  BOOST_TEST(r.content == in);
  BOOST_TEST(r.warnings.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
