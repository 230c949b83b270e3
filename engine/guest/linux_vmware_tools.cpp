// VMware tools on KVM: vmtoolsd only logs errors and some versions slow the
// boot down, so by default they are removed; "disable" keeps the packages but
// stops the services; "keep" leaves them alone.
#include <set>
#include <sstream>

#include "engine/guest/linux_fix_context.hpp"

namespace h2k {
namespace {

namespace lg = linux_guest;

std::vector<std::string> installed_vmware_packages(LinuxFixContext& ctx) {
  std::string names;
  for (const auto& p : lg::kVmwareToolsPackages) names += " " + shell_quote(p);
  std::string query;
  if (ctx.inspection.result.package_format == "deb" && !ctx.find_tool("dpkg-query").empty())
    query = "dpkg-query -W -f='${Package} ${Status}\\n'" + names + " 2>/dev/null; true";
  else if (ctx.inspection.result.package_format == "rpm" && !ctx.find_tool("rpm").empty())
    query = "rpm -q --qf '%{NAME} install ok installed\\n'" + names + " 2>/dev/null; true";
  else
    return {};
  auto r = ctx.files.sh(std::string(kGuestShellPrelude) + query);
  if (!r.ok) {
    ctx.warn("cannot query installed VMware tools packages: " + r.error);
    return {};
  }
  std::set<std::string> known(lg::kVmwareToolsPackages.begin(), lg::kVmwareToolsPackages.end());
  std::vector<std::string> installed;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    // dpkg: "name install ok installed"; rpm prints "package x is not installed" otherwise.
    if (known.count(name) && line.find("install ok installed") != std::string::npos) installed.push_back(name);
  }
  return installed;
}

// Removes the systemd *.wants symlinks of the VMware units: the packages stay,
// the services no longer start.
void disable_units(LinuxFixContext& ctx) {
  std::set<std::string> units(lg::kVmwareToolsUnits.begin(), lg::kVmwareToolsUnits.end());
  const std::string base = "/etc/systemd/system";
  for (const auto& dir : ctx.files.list(base)) {
    if (dir.size() < 6 || dir.compare(dir.size() - 6, 6, ".wants") != 0) continue;
    for (const auto& entry : ctx.files.list(base + "/" + dir)) {
      if (!units.count(entry)) continue;
      std::string link = base + "/" + dir + "/" + entry;
      std::string target = ctx.files.is_symlink(link) ? ctx.files.readlink(link) : "";
      ctx.files.remove(link);
      ctx.record("vmware-tools", link, target, "", "service disabled");
    }
  }
}

}  // namespace

void apply_vmware_tools_action(LinuxFixContext& ctx) {
  if (ctx.options.vmware_tools == VmwareToolsAction::Keep) return;
  ctx.step(std::string("VMware tools: ") + to_string(ctx.options.vmware_tools), 88);
  if (ctx.options.vmware_tools == VmwareToolsAction::Remove) {
    auto packages = installed_vmware_packages(ctx);
    if (!packages.empty()) {
      std::string list;
      for (const auto& p : packages) list += " " + shell_quote(p);
      std::string command = ctx.inspection.result.package_format == "deb" ? "dpkg --purge" + list : "rpm -e" + list;
      auto r = ctx.files.sh(std::string(kGuestShellPrelude) + command);
      if (r.ok) {
        for (const auto& p : packages) ctx.record("vmware-tools", p, "installed", "removed", command);
        return;
      }
      ctx.warn("removing VMware tools (" + command + ") failed: " + r.error + "; disabling their services instead");
    }
  }
  disable_units(ctx);
}

}  // namespace h2k
