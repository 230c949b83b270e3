#include "actors/exporter/export_task.hpp"

#include <nlohmann/json.hpp>

#include "engine/vsphere/vsphere_session.hpp"

namespace h2k {
namespace fs = std::filesystem;

ExportRequest parse_export_request(const std::string& json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw ConversionError(ErrorKind::InvalidInput, "export request", "the export request is not a JSON object");
  ExportRequest r;
  try {
    r.source = export_source_from_json(j, "export request");  // the job's ExportSource, as stored
  } catch (const std::exception& e) {
    throw ConversionError(ErrorKind::InvalidInput, "export request", e.what());
  }
  if (auto it = j.find("password"); it != j.end() && it->is_string()) r.password = it->get<std::string>();
  if (r.source.vcenter.empty()) throw ConversionError(ErrorKind::InvalidInput, "export request", "no vCenter given");
  if (r.source.vm.empty()) throw ConversionError(ErrorKind::InvalidInput, "export request", "no VM given");
  return r;
}

fs::path export_folder(const std::string& job_id, std::uint64_t epoch) {
  return fs::path(".exports") / (job_id + "-e" + std::to_string(epoch));
}

std::vector<std::string> exported_sources(const vsphere::ExportResult& r, const fs::path& watch_root) {
  std::vector<std::string> out;
  auto add = [&](const fs::path& p) {
    if (p.empty()) return;
    const std::string rel = p.lexically_normal().lexically_relative(watch_root.lexically_normal()).generic_string();
    for (const auto& o : out)
      if (o == rel) return;
    out.push_back(rel);
  };
  add(r.manifest);
  add(r.ovf);
  for (const auto& f : r.files) add(f.path);
  return out;
}

std::string progress_message(const vsphere::ExportProgress& p) {
  std::string m;
  for (const auto& f : p.files) {
    if (!m.empty()) m += '\n';
    m += f.name + " " + std::to_string(f.bytes_done) + " " + std::to_string(f.bytes_total);
  }
  return m;
}

ClassifiedError classify_export_error(const std::exception& e) {
  if (auto* c = dynamic_cast<const ConversionError*>(&e)) return {c->kind(), c->what()};
  if (auto* v = dynamic_cast<const vsphere::VsphereError*>(&e)) {
    if (v->fault.empty()) return {v->timed_out ? ErrorKind::Timeout : ErrorKind::Io, v->what()};
    // A fault that may pass: the server busy with another task on the VM.
    if (v->fault == "TaskInProgress" || v->fault == "HostCommunication" || v->fault == "HostNotConnected")
      return {ErrorKind::Io, v->what()};
    return {ErrorKind::InvalidInput, v->what()};
  }
  return {ErrorKind::Internal, e.what()};
}

}  // namespace h2k
