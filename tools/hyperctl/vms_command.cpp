#include "tools/hyperctl/vms_command.hpp"

#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "engine/vsphere/credentials.hpp"
#include "engine/vsphere/inventory.hpp"
#include "engine/vsphere/vsphere_session.hpp"
#include "tools/hyperctl/exit_codes.hpp"
#include "tools/hyperctl/text_format.hpp"

namespace h2k::hyperctl {
namespace {

namespace vs = h2k::vsphere;

std::optional<std::string> optional_text(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string render_vm_table(const std::vector<vs::VmSummary>& vms) {
  std::vector<std::vector<std::string>> rows{{"NAME", "POWER", "CPU", "MEMORY", "PATH"}};
  for (const auto& vm : vms)
    rows.push_back({vm.name + (vm.template_ ? " (template)" : ""), vm.power_state, std::to_string(vm.num_cpu),
                    std::to_string(vm.memory_mb) + " MiB", vm.path});
  return format_table(rows) + std::to_string(vms.size()) + (vms.size() == 1 ? " VM\n" : " VMs\n");
}

std::string render_vm_info(const vs::VmInfo& vm) {
  std::string out;
  out += "Name:      " + vm.name + " (" + vm.moref.value + ")\n";
  out += "Power:     " + vm.power_state + "\n";
  out += "CPU:       " + std::to_string(vm.num_cpu) + "\n";
  out += "Memory:    " + std::to_string(vm.memory_mb) + " MiB\n";
  out += "Firmware:  " + vm.firmware + "\n";
  out += "Guest:     " + (vm.guest_full_name.empty() ? vm.guest_id : vm.guest_full_name + " (" + vm.guest_id + ")") + "\n";
  if (!vm.uuid.empty()) out += "UUID:      " + vm.uuid + "\n";
  out += "Disks:\n";
  if (vm.disks.empty()) out += "  none\n";
  std::vector<std::vector<std::string>> disks{{"LABEL", "SIZE", "CONTROLLER", "PROVISIONING", "FILE"}};
  for (const auto& d : vm.disks)
    disks.push_back({d.label, format_bytes(static_cast<double>(d.capacity_bytes)),
                     (d.controller_type.empty() ? "?" : d.controller_type) + " " + std::to_string(d.controller_bus) +
                         ":" + std::to_string(d.unit_number),
                     d.thin ? "thin" : "thick", d.file_name});
  if (!vm.disks.empty()) out += format_table(disks, "  ");
  out += "NICs:\n";
  if (vm.nics.empty()) out += "  none\n";
  std::vector<std::vector<std::string>> nics{{"LABEL", "TYPE", "MAC", "NETWORK", "CONNECTED"}};
  for (const auto& n : vm.nics)
    nics.push_back({n.label, n.adapter_type, n.mac, n.network, n.connected ? "yes" : "no"});
  if (!vm.nics.empty()) out += format_table(nics, "  ");
  return out;
}

// Who and where, resolved before any connection: usage errors.
struct Target {
  vs::Endpoint endpoint;
  vs::VsphereCredentials credentials;
};

Target resolve_target(const VmsOptions& o) {
  vs::TlsPolicy tls;
  tls.ca_file = o.ca_file;
  tls.thumbprint = o.thumbprint;
  tls.insecure = o.insecure;
  Target t{vs::parse_endpoint(o.vcenter, tls), {}};
  std::optional<std::filesystem::path> file;
  if (!o.credentials.empty()) file = o.credentials;
  t.credentials = vs::resolve_credentials(optional_text(o.username), file);
  return t;
}

}  // namespace

void add_vms_command(CLI::App& app, VmsCommand& command) {
  VmsOptions& o = command.options;
  command.vms = app.add_subcommand(
      "vms", "VMs on a vCenter or ESXi host (talks to vSphere directly, not to the daemon): list, info NAME");
  CLI::App* vms = command.vms;
  vms->require_subcommand(1);
  vms->fallthrough();
  vms->add_option("--vcenter", o.vcenter, "vCenter or ESXi host, HOST[:PORT] (port 443 by default)")->required();
  vms->add_option("-u,--username", o.username,
                  "User name (default: the credentials file's username:, else $VSPHERE_USERNAME)");
  vms->add_option("--credentials", o.credentials,
                  "YAML file with username: and password: (mode 0600); $VSPHERE_PASSWORD takes precedence for the "
                  "password")
      ->check(CLI::ExistingFile);
  vms->add_option("--datacenter", o.datacenter, "Only this datacenter; relative inventory paths start in DC/vm/");
  auto* thumbprint = vms->add_option("--thumbprint", o.thumbprint,
                                     "Trust the server iff its certificate's SHA-256 fingerprint is this (AB:CD:...)");
  auto* ca_file = vms->add_option("--ca-file", o.ca_file, "Verify the server against this CA bundle (PEM) instead of "
                                                          "the system's")
                      ->check(CLI::ExistingFile);
  vms->add_flag("--insecure", o.insecure, "Do not verify the server's certificate (warns)")
      ->excludes(thumbprint)
      ->excludes(ca_file);
  vms->footer(
      "The password is read from $VSPHERE_PASSWORD or the --credentials file, never from the command line.\n"
      "Exit codes: 0 ok; 1 vSphere refused (login refused, VM not found, a fault); 2 usage or credentials "
      "error; 3 cannot reach or trust the server (connection, TLS); 4 no answer in time.");
  command.list = vms->add_subcommand("list", "Table of VMs: NAME POWER CPU MEMORY PATH");
  command.list->fallthrough();
  command.info = vms->add_subcommand("info", "One VM: power, CPU, memory, firmware, guest, disks, NICs");
  command.info->fallthrough();
  command.info->add_option("vm", o.vm, "VM name, or inventory path (/DC0/vm/folder/NAME)")->required();
}

int run_vms_command(const VmsCommand& command, bool json) {
  const VmsOptions& o = command.options;
  Target target;
  try {
    target = resolve_target(o);
  } catch (const std::exception& e) {
    std::cerr << "hyperctl: vms: " << e.what() << "\n";
    return exit_code::kUsage;
  }
  if (o.insecure)
    std::cerr << "hyperctl: warning: --insecure: the certificate of " << vs::authority(target.endpoint)
              << " is not verified; anyone between here and there can read the credentials\n";
  try {
    auto session = vs::VsphereSession::login(target.endpoint, target.credentials);
    const std::optional<std::string> datacenter = optional_text(o.datacenter);
    if (*command.list) {
      const auto vms = vs::list_vms(*session, datacenter);
      if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& vm : vms) list.push_back(vs::to_json(vm));
        std::cout << dump({{"vcenter", vs::authority(target.endpoint)}, {"vms", std::move(list)}}) << "\n";
      } else {
        std::cout << render_vm_table(vms);
      }
      return exit_code::kOk;
    }
    const vs::VmInfo info = vs::vm_info(*session, vs::find_vm(*session, o.vm, datacenter));
    if (json)
      std::cout << dump(vs::to_json(info)) << "\n";
    else
      std::cout << render_vm_info(info);
    return exit_code::kOk;
  } catch (const vs::VsphereError& e) {
    std::cerr << "hyperctl: " << e.what() << "\n";
    if (!e.fault.empty()) return exit_code::kVsphereRefused;
    return e.timed_out ? exit_code::kTimeout : exit_code::kUnreachable;
  } catch (const std::exception& e) {
    // A reply we could not make sense of (e.g. out of memory on a huge one).
    std::cerr << "hyperctl: " << vs::authority(target.endpoint) << ": " << e.what() << "\n";
    return exit_code::kUnreachable;
  }
}

}  // namespace h2k::hyperctl
