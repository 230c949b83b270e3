#include "engine/verify/qemu_boot_command.hpp"

#include <stdexcept>

namespace h2k {
namespace {

// AHCI controllers have six ports; more SATA disks get more controllers.
constexpr std::size_t kAhciPorts = 6;

std::string nic_device(const std::string& model) {
  if (model == "virtio") return "virtio-net-pci";
  if (model == "e1000e" || model == "e1000" || model == "rtl8139" || model == "vmxnet3") return model;
  throw std::invalid_argument("unknown NIC model '" + model + "' (virtio, e1000e, e1000, rtl8139 or vmxnet3)");
}

}  // namespace

std::string qemu_option_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    out.push_back(c);
    if (c == ',') out.push_back(',');
  }
  return out;
}

std::vector<std::string> qemu_boot_argv(const QemuBootSpec& spec) {
  if (spec.disks.empty()) throw std::invalid_argument("a verification boot needs at least one disk");
  if (spec.serial_log.empty() || spec.qmp_socket.empty())
    throw std::invalid_argument("a verification boot needs a serial log file and a QMP socket path");
  const bool kvm = spec.accel == Accel::Kvm;
  // -nodefaults: only the devices below, so the guest sees what the domain
  // gives it (no stray default NIC, floppy or CD-ROM).
  std::vector<std::string> argv = {
      spec.qemu_binary, "-nodefaults", "-no-user-config", "-name", "h2k-verify-boot",
      "-machine", std::string("q35,accel=") + (kvm ? "kvm" : "tcg"),
      // host-model in the domain; "max" under TCG emulates a recent CPU, so
      // guests built for x86-64-v2 or later (RHEL 9) run.
      "-cpu", kvm ? "host" : "max",
      "-m", std::to_string(spec.memory_mib), "-smp", std::to_string(spec.vcpus > 0 ? spec.vcpus : 1),
      "-rtc", spec.rtc_localtime ? "base=localtime" : "base=utc",
      // -nographic rather than -display none: the firmware (SeaBIOS) then
      // also writes to the serial port, so "No bootable device" is evidence.
      "-nographic", "-monitor", "none", "-vga", "std",
      "-serial", "file:" + spec.serial_log.string(),
      "-qmp", "unix:" + qemu_option_value(spec.qmp_socket.string()) + ",server=on,wait=off",
  };
  if (spec.firmware == Firmware::Efi) {
    if (spec.ovmf_code.empty() || spec.ovmf_vars.empty())
      throw std::invalid_argument("a UEFI guest needs the OVMF firmware and a copy of its variable store");
    argv.insert(argv.end(), {"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" +
                                           qemu_option_value(spec.ovmf_code.string()),
                             "-drive", "if=pflash,format=raw,unit=1,file=" + qemu_option_value(spec.ovmf_vars.string())});
  }

  std::size_t sata = 0, scsi = 0;
  for (const auto& d : spec.disks) {
    if (d.bus == "sata") ++sata;
    else if (d.bus == "scsi") ++scsi;
    else if (d.bus != "virtio") throw std::invalid_argument("unknown disk bus '" + d.bus + "' (virtio, sata or scsi)");
  }
  for (std::size_t c = 0; c * kAhciPorts < sata; ++c)
    argv.insert(argv.end(), {"-device", "ich9-ahci,id=sata" + std::to_string(c)});
  if (scsi > 0) argv.insert(argv.end(), {"-device", "virtio-scsi-pci,id=scsi0"});

  std::size_t sata_index = 0, scsi_index = 0;
  for (std::size_t i = 0; i < spec.disks.size(); ++i) {
    const BootDisk& d = spec.disks[i];
    const std::string id = "disk" + std::to_string(i);
    const std::string boot = ",bootindex=" + std::to_string(i + 1);
    // cache=writeback honours the guest's flushes, so what it synced (its
    // journal) is in the overlay even if qemu has to be stopped hard.
    argv.insert(argv.end(), {"-drive", "file=" + qemu_option_value(d.path.string()) + ",format=" + d.format +
                                           ",if=none,id=" + id + ",cache=writeback"});
    std::string device;
    if (d.bus == "virtio") {
      device = "virtio-blk-pci,drive=" + id + boot;
    } else if (d.bus == "sata") {
      device = "ide-hd,drive=" + id + ",bus=sata" + std::to_string(sata_index / kAhciPorts) + "." +
               std::to_string(sata_index % kAhciPorts) + boot;
      ++sata_index;
    } else {
      device = "scsi-hd,drive=" + id + ",bus=scsi0.0,scsi-id=" + std::to_string(scsi_index++) + boot;
    }
    argv.insert(argv.end(), {"-device", device});
  }

  for (std::size_t i = 0; i < spec.nics.size(); ++i) {
    const BootNic& n = spec.nics[i];
    const std::string id = "net" + std::to_string(i);
    // restrict=on: the guest gets its DHCP lease from qemu and nothing else;
    // it cannot reach the host or any network (a converted server must not
    // start talking to production systems from a test boot).
    argv.insert(argv.end(), {"-netdev", "user,id=" + id + ",restrict=on", "-device",
                             nic_device(n.model) + ",netdev=" + id + (n.mac.empty() ? "" : ",mac=" + n.mac)});
  }
  // The domain has a virtio RNG; without one some guests stall at boot waiting for entropy.
  argv.insert(argv.end(), {"-object", "rng-random,id=rng0,filename=/dev/urandom", "-device", "virtio-rng-pci,rng=rng0"});
  if (spec.no_reboot) argv.push_back("-no-reboot");
  return argv;
}

}  // namespace h2k
