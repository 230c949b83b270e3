// report.json: everything a migration operator needs to audit one conversion:
// what came in, what was found in the guest, every change made, and where
// the results are.
#include <unistd.h>

#include "engine/pipeline/convert.hpp"

namespace h2k {
namespace {

std::string hostname() {
  char buf[256] = {0};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

nlohmann::json node_or_null(const ConvertRequest& r) { return r.node.empty() ? nlohmann::json() : nlohmann::json(r.node); }

nlohmann::json request_json(const ConvertRequest& r) {
  return {
      {"source", r.source.string()},
      {"output_dir", r.output_dir.string()},
      // Which attempt wrote this folder (a daemon's job + lease epoch + state
      // store; "" for a CLI run): the coordinator's evidence that a folder at
      // a job's reserved name is that attempt's publish, not another's.
      {"staging_tag", r.staging_tag},
      {"output_format", to_string(r.copy.format)},
      {"guest_fixes", r.guest.enabled},
      {"vmware_tools", to_string(r.guest.vmware_tools)},
      {"rebuild_initramfs", r.guest.rebuild_initramfs},
      {"virtio_win_dir", r.guest.virtio_win_dir.string()},
      {"libguestfs", {{"backend", r.guest.guestfs.backend},
                      {"backend_settings", r.guest.guestfs.backend_settings},
                      {"launch_timeout_s", r.guest.guestfs.launch_timeout_s}}},
      {"define", r.define},
      {"connect", r.connect_uri},
      {"verify_boot", r.verify_boot},
      {"verify_boot_timeout_s", r.verify_boot_timeout_s},
      {"verify_boot_accel", r.verify_boot_accel},
  };
}

}  // namespace

nlohmann::json build_report(const ConversionResult& res, const ConvertRequest& req) {
  nlohmann::json disks = nlohmann::json::array();
  for (auto& d : res.disks)
    disks.push_back({{"id", d.id},
                     {"path", d.path.string()},
                     {"format", d.format},
                     {"virtual_size", d.virtual_size},
                     {"allocated_bytes", d.allocated_bytes},
                     {"source", d.source}});
  nlohmann::json timings = nlohmann::json::object();
  double total = 0;
  for (auto& t : res.timings) {
    timings[t.phase] = t.seconds;
    total += t.seconds;
  }
  timings["total"] = total;
  nlohmann::json fixes = to_json(res.guest);
  nlohmann::json report = {
      {"hyper2kvm_version", "0.1.0"},
      {"status", "success"},
      {"host", hostname()},
      {"node", node_or_null(req)},
      {"started_at", res.started_at},
      {"finished_at", res.finished_at},
      {"request", request_json(req)},
      {"source", to_json(res.source)},
      {"inspection", fixes.value("inspection", nlohmann::json::object())},
      {"guest_fixes",
       {{"applied", res.guest.fixes_applied},
        {"skip_reason", res.guest.skip_reason},
        {"changes", fixes.value("fixes", nlohmann::json::array())},
        {"disk_bus", res.guest.disk_bus},
        {"nic_model", res.guest.nic_model}}},
      // The final audit of the converted guest (what was checked before
      // success was reported); empty when guest fixes were off or no OS was found.
      {"checks", fixes.value("checks", nlohmann::json::array())},
      {"warnings", res.warnings},
      {"timings_seconds", timings},
      {"output",
       {{"vm_dir", res.vm_dir.string()},
        {"disks", disks},
        {"domain_xml", res.domain_xml.string()},
        {"domain_xml_validated", res.xml_validated},
        {"report", res.report_path.string()},
        {"defined", res.defined},
        {"domain_uuid", res.domain_uuid},
        {"define_error", res.define_error}}},
  };
  if (res.verify_boot) report["verify_boot"] = to_json(*res.verify_boot);
  return report;
}

nlohmann::json build_error_report(const ConvertRequest& req, const ConversionError& error, const std::string& phase) {
  return {
      {"hyper2kvm_version", "0.1.0"},
      {"status", "failed"},
      {"host", hostname()},
      {"node", node_or_null(req)},
      {"request", request_json(req)},
      {"error",
       {{"kind", to_string(error.kind())},
        {"retryable", error.retryable()},
        {"file", error.file()},
        {"reason", error.reason()},
        {"message", error.what()},
        {"phase", phase},
        {"details", error.details()}}},
  };
}

}  // namespace h2k
