// The verification boot's qemu command line, built from its spec.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "engine/verify/qemu_boot_command.hpp"

using namespace h2k;

namespace {

QemuBootSpec base_spec() {
  QemuBootSpec s;
  s.disks = {{"/scratch/disk0.qcow2", "qcow2", "virtio"}};
  s.nics = {{"00:50:56:aa:bb:01", "virtio"}};
  s.serial_log = "/scratch/console.log";
  s.qmp_socket = "/scratch/qmp.sock";
  return s;
}

// The value after `option`, for options given once.
std::string value_of(const std::vector<std::string>& argv, const std::string& option) {
  auto it = std::find(argv.begin(), argv.end(), option);
  if (it == argv.end() || it + 1 == argv.end()) return "(absent)";
  return *(it + 1);
}

// Every value of an option given several times (-device, -drive, -netdev).
std::vector<std::string> values_of(const std::vector<std::string>& argv, const std::string& option) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == option) out.push_back(argv[i + 1]);
  return out;
}

bool has(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(qemu_boot_command)

BOOST_AUTO_TEST_CASE(bios_guest_on_virtio_under_tcg) {
  auto s = base_spec();
  s.memory_mib = 1024;
  s.vcpus = 2;
  const auto argv = qemu_boot_argv(s);
  BOOST_TEST(argv.front() == "qemu-system-x86_64");
  BOOST_TEST(has(argv, "-nodefaults"));
  BOOST_TEST(value_of(argv, "-machine") == "q35,accel=tcg");
  BOOST_TEST(value_of(argv, "-cpu") == "max");
  BOOST_TEST(value_of(argv, "-m") == "1024");
  BOOST_TEST(value_of(argv, "-smp") == "2");
  BOOST_TEST(value_of(argv, "-rtc") == "base=utc");
  BOOST_TEST(has(argv, "-nographic"));  // no window; the firmware writes to the serial port too
  BOOST_TEST(value_of(argv, "-monitor") == "none");
  BOOST_TEST(value_of(argv, "-serial") == "file:/scratch/console.log");
  BOOST_TEST(value_of(argv, "-qmp") == "unix:/scratch/qmp.sock,server=on,wait=off");
  BOOST_TEST(values_of(argv, "-drive") ==
             std::vector<std::string>{"file=/scratch/disk0.qcow2,format=qcow2,if=none,id=disk0,cache=writeback"});
  const auto devices = values_of(argv, "-device");
  BOOST_TEST(has(devices, "virtio-blk-pci,drive=disk0,bootindex=1"));
  BOOST_TEST(has(devices, "virtio-net-pci,netdev=net0,mac=00:50:56:aa:bb:01"));
  BOOST_TEST(has(devices, "virtio-rng-pci,rng=rng0"));
  // The guest's network reaches nothing.
  BOOST_TEST(values_of(argv, "-netdev") == std::vector<std::string>{"user,id=net0,restrict=on"});
  BOOST_TEST(!has(argv, "-no-reboot"));
  BOOST_TEST(!has(argv, "-bios"));
  BOOST_TEST(!has(argv, "-enable-kvm"));
}

BOOST_AUTO_TEST_CASE(kvm_uses_the_host_cpu) {
  auto s = base_spec();
  s.accel = Accel::Kvm;
  const auto argv = qemu_boot_argv(s);
  BOOST_TEST(value_of(argv, "-machine") == "q35,accel=kvm");
  BOOST_TEST(value_of(argv, "-cpu") == "host");
}

BOOST_AUTO_TEST_CASE(uefi_guest_gets_ovmf_and_its_own_variable_store) {
  auto s = base_spec();
  s.firmware = Firmware::Efi;
  s.ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
  s.ovmf_vars = "/scratch/OVMF_VARS.fd";
  const auto drives = values_of(qemu_boot_argv(s), "-drive");
  BOOST_TEST_REQUIRE(drives.size() == 3u);
  BOOST_TEST(drives[0] == "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd");
  BOOST_TEST(drives[1] == "if=pflash,format=raw,unit=1,file=/scratch/OVMF_VARS.fd");
  s.ovmf_vars.clear();
  BOOST_CHECK_THROW(qemu_boot_argv(s), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(windows_without_virtio_sata_disks_e1000e_and_local_clock) {
  auto s = base_spec();
  s.disks = {{"/s/d0.qcow2", "qcow2", "sata"}, {"/s/d1.qcow2", "qcow2", "sata"}};
  s.nics = {{"00:50:56:aa:bb:01", "e1000e"}, {"", "e1000e"}};
  s.rtc_localtime = true;
  const auto argv = qemu_boot_argv(s);
  const auto devices = values_of(argv, "-device");
  BOOST_TEST(has(devices, "ich9-ahci,id=sata0"));
  BOOST_TEST(has(devices, "ide-hd,drive=disk0,bus=sata0.0,bootindex=1"));
  BOOST_TEST(has(devices, "ide-hd,drive=disk1,bus=sata0.1,bootindex=2"));
  BOOST_TEST(has(devices, "e1000e,netdev=net0,mac=00:50:56:aa:bb:01"));
  BOOST_TEST(has(devices, "e1000e,netdev=net1"));  // no MAC given: qemu picks one
  BOOST_TEST(values_of(argv, "-netdev") ==
             (std::vector<std::string>{"user,id=net0,restrict=on", "user,id=net1,restrict=on"}));
  BOOST_TEST(value_of(argv, "-rtc") == "base=localtime");
}

BOOST_AUTO_TEST_CASE(seven_sata_disks_need_a_second_controller) {
  auto s = base_spec();
  s.disks.clear();
  for (int i = 0; i < 7; ++i) s.disks.push_back({"/s/d" + std::to_string(i) + ".qcow2", "qcow2", "sata"});
  const auto devices = values_of(qemu_boot_argv(s), "-device");
  BOOST_TEST(has(devices, "ich9-ahci,id=sata1"));
  BOOST_TEST(has(devices, "ide-hd,drive=disk5,bus=sata0.5,bootindex=6"));
  BOOST_TEST(has(devices, "ide-hd,drive=disk6,bus=sata1.0,bootindex=7"));
}

BOOST_AUTO_TEST_CASE(scsi_disks_share_one_virtio_scsi_controller) {
  auto s = base_spec();
  s.disks = {{"/s/a.qcow2", "qcow2", "scsi"}, {"/s/b.raw", "raw", "scsi"}};
  const auto argv = qemu_boot_argv(s);
  const auto devices = values_of(argv, "-device");
  BOOST_TEST(std::count(devices.begin(), devices.end(), "virtio-scsi-pci,id=scsi0") == 1);
  BOOST_TEST(has(devices, "scsi-hd,drive=disk1,bus=scsi0.0,scsi-id=1,bootindex=2"));
  BOOST_TEST(values_of(argv, "-drive")[1] == "file=/s/b.raw,format=raw,if=none,id=disk1,cache=writeback");
}

BOOST_AUTO_TEST_CASE(commas_in_paths_stay_one_value) {
  auto s = base_spec();
  s.disks = {{"/scratch/a,b.qcow2", "qcow2", "virtio"}};
  BOOST_TEST(values_of(qemu_boot_argv(s), "-drive")[0] ==
             "file=/scratch/a,,b.qcow2,format=qcow2,if=none,id=disk0,cache=writeback");
  BOOST_TEST(qemu_option_value("x,y,,z") == "x,,y,,,,z");
}

BOOST_AUTO_TEST_CASE(no_reboot_when_asked) {
  auto s = base_spec();
  s.no_reboot = true;
  BOOST_TEST(has(qemu_boot_argv(s), "-no-reboot"));
}

BOOST_AUTO_TEST_CASE(specs_qemu_cannot_be_given) {
  auto s = base_spec();
  s.disks.clear();
  BOOST_CHECK_THROW(qemu_boot_argv(s), std::invalid_argument);
  s = base_spec();
  s.disks[0].bus = "ide";
  BOOST_CHECK_THROW(qemu_boot_argv(s), std::invalid_argument);
  s = base_spec();
  s.nics[0].model = "pcnet";
  BOOST_CHECK_THROW(qemu_boot_argv(s), std::invalid_argument);
  s = base_spec();
  s.qmp_socket.clear();
  BOOST_CHECK_THROW(qemu_boot_argv(s), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
