// hyper2kvm: the single-host binary.
//   hyper2kvm convert SOURCE --output-dir DIR   one VM, in the foreground
//   hyper2kvm inspect SOURCE                    what the engine sees in an input
//   hyper2kvm export --vm VM --vcenter HOST --output-dir DIR   download a VM from vSphere
//   hyper2kvm __guest-fix REQUEST.json          internal: isolated libguestfs child
//   hyper2kvm __boot-journal REQUEST.json       internal: reads a verification boot's journal (isolated)
//   hyper2kvm __appliance-probe REQUEST.json    internal: one timed appliance launch (KVM usable?)
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <future>
#include <memory>
#include <thread>

#include "actors/cluster/share_marker.hpp"
#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/guest/guest_fix_runner.hpp"
#include "engine/inputs/source_loader.hpp"
#include "engine/pipeline/convert.hpp"
#include "engine/verify/appliance_probe.hpp"
#include "engine/verify/boot_journal.hpp"
#include "nodes/common/config/daemon_config.hpp"
#include "nodes/hyper2kvm/cluster_node.hpp"
#include "nodes/hyper2kvm/daemon.hpp"
#include "nodes/hyper2kvm/exit_codes.hpp"
#include "nodes/hyper2kvm/export_command.hpp"
#include "nodes/hyper2kvm/progress_printer.hpp"

namespace {

using namespace h2k;

// SIGINT/SIGTERM cancel the running conversion (which then cleans up) instead
// of killing the process with a half-written output.
class SignalCanceller {
public:
  explicit SignalCanceller(CancelToken token) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    thread_ = std::thread([set, token] {
      int sig = 0;
      if (sigwait(&set, &sig) == 0) {
        std::fprintf(stderr, "\nhyper2kvm: %s received, cancelling and cleaning up...\n", strsignal(sig));
        token.cancel();
      }
    });
    thread_.detach();
  }

private:
  std::thread thread_;
};

std::filesystem::path self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("hyper2kvm") : p;
}

struct ConvertCli {
  std::string source;
  std::string output_dir;
  std::string format = "qcow2";
  std::string name;
  bool define = false;
  std::string connect = "qemu:///system";
  bool json = false;
  bool quiet = false;
  bool no_guest_fixes = false;
  bool no_initramfs = false;
  bool no_verify_manifest = false;
  std::string vmware_tools = "remove";
  std::string virtio_win;
  std::string backend = "direct";
  std::string backend_settings = "force_tcg";
  int launch_timeout = 600;
  int memsize = 1024;
  bool verify_boot = false;
  int verify_boot_timeout = 300;
  std::string verify_boot_accel = "auto";
};

VmwareToolsAction parse_tools_action(const std::string& s) {
  if (s == "keep") return VmwareToolsAction::Keep;
  if (s == "disable") return VmwareToolsAction::Disable;
  return VmwareToolsAction::Remove;
}

int run_convert(const ConvertCli& c) {
  ConvertRequest req;
  req.source = std::filesystem::absolute(c.source);
  req.output_dir = std::filesystem::absolute(c.output_dir);
  req.name_override = c.name;
  req.verify_manifest = !c.no_verify_manifest;
  req.copy.format = output_format_from_string(c.format);
  req.guest.enabled = !c.no_guest_fixes;
  req.guest.rebuild_initramfs = !c.no_initramfs;
  req.guest.vmware_tools = parse_tools_action(c.vmware_tools);
  if (!c.virtio_win.empty()) req.guest.virtio_win_dir = std::filesystem::absolute(c.virtio_win);
  req.guest.guestfs.backend = c.backend;
  req.guest.guestfs.backend_settings = c.backend_settings;
  req.guest.guestfs.launch_timeout_s = c.launch_timeout;
  req.guest.guestfs.memsize_mib = c.memsize;
  req.self_exe = self_exe();
  req.define = c.define;
  req.connect_uri = c.connect;
  req.verify_boot = c.verify_boot;
  req.verify_boot_timeout_s = c.verify_boot_timeout;
  req.verify_boot_accel = c.verify_boot_accel;

  CancelToken cancel;
  SignalCanceller canceller(cancel);
  cli::ProgressPrinter printer(stderr, c.quiet);
  try {
    ConversionResult res = convert_vm(req, std::ref(printer), cancel);
    printer.finish();
    nlohmann::json report = build_report(res, req);
    if (c.json) {
      std::cout << report.dump(2) << std::endl;
    } else {
      std::printf("Converted %s -> %s\n", req.source.c_str(), res.vm_dir.c_str());
      for (auto& d : res.disks)
        std::printf("  disk   %s (%s, %s virtual, %s allocated)\n", d.path.c_str(), d.format.c_str(),
                    cli::human_bytes(static_cast<double>(d.virtual_size)).c_str(),
                    cli::human_bytes(static_cast<double>(d.allocated_bytes)).c_str());
      std::printf("  domain %s%s\n", res.domain_xml.c_str(), res.xml_validated ? " (validated)" : "");
      std::printf("  report %s\n", res.report_path.c_str());
      std::printf("  guest  %s; %zu change(s) applied\n",
                  res.guest.inspection.product_name.empty() ? "not inspected" : res.guest.inspection.product_name.c_str(),
                  res.guest.fixes.size());
      if (res.defined) std::printf("  defined on %s as %s\n", req.connect_uri.c_str(), res.domain_uuid.c_str());
      if (res.verify_boot)
        std::printf("  boot   %s (%s, %s, %.0f s)%s%s\n", res.verify_boot->status.c_str(),
                    res.verify_boot->evidence.c_str(), res.verify_boot->accel.c_str(), res.verify_boot->seconds,
                    res.verify_boot->evidence_line.empty() ? "" : ": ", res.verify_boot->evidence_line.c_str());
      for (auto& w : res.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    }
    if (!res.define_error.empty()) {
      std::fprintf(stderr, "hyper2kvm: conversion published, but defining the domain failed: %s\n",
                   res.define_error.c_str());
      return exit_code::kDefineFailed;
    }
    return exit_code::kOk;
  } catch (const PhaseError& e) {
    printer.finish();
    if (c.json) std::cout << build_error_report(req, e, e.phase()).dump(2) << std::endl;
    std::fprintf(stderr, "hyper2kvm: %s failed: %s\n", e.phase().c_str(), e.what());
    if (!c.json && !e.details().empty()) {
      std::fprintf(stderr, "details:\n");
      for (const auto& line : e.details()) std::fprintf(stderr, "  %s\n", line.c_str());
    }
    return exit_code::for_error(e.kind());
  } catch (const ConversionError& e) {
    printer.finish();
    if (c.json) std::cout << build_error_report(req, e, "").dump(2) << std::endl;
    std::fprintf(stderr, "hyper2kvm: %s\n", e.what());
    return exit_code::for_error(e.kind());
  }
}

int run_inspect(const std::string& source, bool json) {
  try {
    SourceVm vm = load_source(std::filesystem::absolute(source));
    nlohmann::json j = to_json(vm);
    if (json) {
      std::cout << j.dump(2) << std::endl;
      return 0;
    }
    std::printf("%s: %s\n", source.c_str(), to_string(vm.source_kind));
    std::printf("  name      %s\n", vm.name.c_str());
    std::printf("  vcpus     %s\n", vm.vcpus > 0 ? std::to_string(vm.vcpus).c_str() : "unknown (default 2)");
    std::printf("  memory    %s\n",
                vm.memory_mib ? (std::to_string(vm.memory_mib) + " MiB").c_str() : "unknown (default 2048 MiB)");
    std::printf("  firmware  %s\n", to_string(vm.firmware));
    if (!vm.os_hint.empty()) std::printf("  os hint   %s\n", vm.os_hint.c_str());
    for (auto& d : vm.disks)
      std::printf("  disk %-4s %s (%s%s%s, %s virtual)\n", d.id.c_str(), d.display_path.c_str(), to_string(d.format),
                  d.format_detail.empty() ? "" : " ", d.format_detail.c_str(),
                  cli::human_bytes(static_cast<double>(d.virtual_size)).c_str());
    for (auto& n : vm.nics)
      std::printf("  nic       %s %s %s\n", n.mac.empty() ? "(no MAC)" : n.mac.c_str(), n.model.c_str(), n.network.c_str());
    for (auto& w : vm.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    return 0;
  } catch (const ConversionError& e) {
    std::fprintf(stderr, "hyper2kvm: %s\n", e.what());
    return exit_code::for_error(e.kind());
  }
}

// --check-config in a cluster: whether this host sees the share (its marker,
// actors/cluster/share_marker.hpp). Only a warning: a coordinator writes the
// marker at its first start. A hung mount is not waited for past 5 s.
void report_share(const std::filesystem::path& share_root) {
  auto seen = std::make_shared<std::promise<msg::share_view>>();
  auto result = seen->get_future();
  std::thread([seen, share_root] { seen->set_value(read_share_marker(share_root)); }).detach();
  if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    std::fprintf(stderr, "hyper2kvm: warning: cluster.share_root %s: no answer within 5 s (a hung mount?)\n",
                 share_root.c_str());
    return;
  }
  const msg::share_view v = result.get();
  if (v.problem.empty())
    std::fprintf(stderr, "hyper2kvm: cluster.share_root %s: share id %s\n", share_root.c_str(), v.id.c_str());
  else
    std::fprintf(stderr,
                 "hyper2kvm: warning: %s (a node gets no job until it sees the coordinator's share; the coordinator "
                 "writes %s at its first start)\n",
                 v.problem.c_str(), kShareMarkerName);
}

// `hyper2kvm [--config FILE] [--check-config]`: the daemon.
int run_daemon_command(const std::string& config_file, bool check_only) {
  DaemonConfig config;
  try {
    if (config_file.empty()) {
      config = default_daemon_config();
      config.validate();
    } else {
      config = load_daemon_config(std::filesystem::absolute(config_file));
    }
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "hyper2kvm: invalid configuration: %s\n", e.what());
    return exit_code::kUsage;
  }
  if (check_only) {
    std::printf("%s\n", config.to_json().dump(2).c_str());
    if (config.cluster.enabled) report_share(config.cluster.share_root);
    std::fprintf(stderr, "hyper2kvm: configuration %s is valid\n",
                 config_file.empty() ? "(embedded default)" : config_file.c_str());
    return exit_code::kOk;
  }
  if (config.cluster.enabled && !config.cluster.has_role(NodeRole::Coordinator))
    return run_cluster_node(config, self_exe());
  return run_daemon(config, self_exe());
}

}  // namespace

int main(int argc, char** argv) {
  // The isolated guest-fix child is an internal entry point, kept out of --help.
  if (argc == 3 && std::string(argv[1]) == "__guest-fix") {
    // Die with the process that started us, and take the appliance along (a
    // daemon killed with SIGKILL must leave no guest-fix child, supermin or
    // qemu running on).
    if (!h2k::die_with_parent_and_own_group()) return 1;
    return h2k::guest_fix_child_main(argv[2]);
  }
  if (argc == 3 && std::string(argv[1]) == "__boot-journal") {
    if (!h2k::die_with_parent_and_own_group()) return 1;
    return h2k::boot_journal_child_main(argv[2]);
  }
  if (argc == 3 && std::string(argv[1]) == "__appliance-probe") {
    if (!h2k::die_with_parent_and_own_group()) return 1;
    return h2k::appliance_probe_child_main(argv[2]);
  }

  CLI::App app{"hyper2kvm: convert VMware and Hyper-V VMs into KVM guests that boot on virtio.\n"
               "Without a subcommand it runs the conversion daemon: VM files dropped into watch_dir become\n"
               "KVM guests in output_dir/<date>/<vm>/ (see cluster-config/daemon.yaml; hyperctl controls it)."};
  app.set_version_flag("--version", "hyper2kvm 0.1.0");
  app.require_subcommand(0, 1);
  std::string config_file;
  bool check_config = false;
  app.add_option("--config", config_file,
                 "Daemon configuration (YAML). Without it: the embedded default, folders under /var/lib/hyper2kvm")
      ->check(CLI::ExistingFile);
  app.add_flag("--check-config", check_config, "Validate the configuration, print it (secrets masked) and exit");

  ConvertCli c;
  auto* convert = app.add_subcommand("convert", "Convert one VM (VMDK, OVA, OVF, VMX, VHD, VHDX, raw, qcow2)");
  convert->add_option("source", c.source, "VM file: .ova, .ovf, .vmx, .vmdk, .vhd, .vhdx, .raw/.img, .qcow2, or an export manifest (manifest.json)")
      ->required()
      ->check(CLI::ExistingFile);
  convert->add_option("-o,--output-dir", c.output_dir, "Folder that receives <vm>/ (disks, <vm>.xml, report.json)")
      ->required();
  convert->add_option("-f,--format", c.format, "Output disk format")->check(CLI::IsMember({"qcow2", "raw"}))
      ->capture_default_str();
  convert->add_option("-n,--name", c.name, "VM name (default: from the OVF/VMX, else the file name)");
  convert->add_flag("--define", c.define, "Define the domain in libvirt after converting");
  convert->add_option("-c,--connect", c.connect, "libvirt URI for --define")->capture_default_str();
  convert->add_flag("--json", c.json, "Print the report (or the error) as JSON on stdout");
  convert->add_flag("-q,--quiet", c.quiet, "No progress output");
  convert->add_flag("--no-guest-fixes", c.no_guest_fixes, "Copy the disks only; do not modify the guest");
  convert->add_flag("--no-initramfs", c.no_initramfs, "Do not rebuild the initramfs (it may lack virtio drivers)");
  convert->add_flag("--no-verify-manifest", c.no_verify_manifest, "Skip checksum verification (OVA .mf, manifest.json sha256)");
  convert->add_option("--vmware-tools", c.vmware_tools, "What to do with VMware tools in the guest")
      ->check(CLI::IsMember({"keep", "disable", "remove"}))
      ->capture_default_str();
  convert->add_option("--virtio-win", c.virtio_win, "Folder with virtio-win drivers (Windows guests)")
      ->check(CLI::ExistingDirectory);
  convert->add_option("--libguestfs-backend", c.backend, "libguestfs backend")->capture_default_str();
  convert->add_option("--libguestfs-backend-settings", c.backend_settings,
                      "libguestfs backend settings; force_tcg works where KVM is missing or broken, \"\" uses KVM")
      ->capture_default_str();
  convert->add_option("--appliance-timeout", c.launch_timeout, "Seconds the libguestfs appliance may take to start")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  convert->add_option("--appliance-memory", c.memsize, "libguestfs appliance memory in MiB")
      ->check(CLI::Range(256, 65536))
      ->capture_default_str();
  convert->add_flag("--verify-boot", c.verify_boot,
                    "Boot the converted guest (on throwaway overlays, with the domain's disks, NIC, MAC and "
                    "firmware) before publishing; fail unless it reaches its default target. Costs a boot "
                    "(about a minute with KVM, several under TCG)");
  convert->add_option("--verify-boot-timeout", c.verify_boot_timeout,
                      "Seconds the verification boot may take to reach the default target")
      ->check(CLI::Range(30, 24 * 3600))
      ->capture_default_str();
  convert->add_option("--verify-boot-accel", c.verify_boot_accel,
                      "Accelerator of the verification boot: auto = TCG when the libguestfs backend settings say "
                      "force_tcg or /dev/kvm is unusable, else KVM")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}))
      ->capture_default_str();
  convert->footer(
      "Exit codes: 0 success; 2 usage; 3 invalid or unsupported input; 4 retryable failure (I/O, no space, "
      "timeout, appliance launch); 5 guest conversion failed (also: the verification boot failed); 6 converted but "
      "--define failed; 130 cancelled.");

  std::string inspect_source;
  bool inspect_json = false;
  auto* inspect = app.add_subcommand("inspect", "Show what hyper2kvm reads from a VM file (no conversion)");
  inspect->add_option("source", inspect_source, "VM file")->required()->check(CLI::ExistingFile);
  inspect->add_flag("--json", inspect_json, "JSON output");

  cli::ExportCli export_cli;
  auto* export_cmd = cli::add_export_command(app, export_cli);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : exit_code::kUsage;
  }
  if (*convert) return run_convert(c);
  if (*inspect) return run_inspect(inspect_source, inspect_json);
  if (*export_cmd) return cli::run_export(export_cli);
  return run_daemon_command(config_file, check_config);
}
