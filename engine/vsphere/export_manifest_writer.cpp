#include "engine/vsphere/export_manifest_writer.hpp"

#include <chrono>
#include <ctime>

#include <nlohmann/json.hpp>

#include "engine/core/fs.hpp"

namespace h2k::vsphere {
namespace {

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::string export_manifest_json(const ExportManifestData& d) {
  using nlohmann::json;
  json vm = json::object();
  if (d.cpu > 0) vm["cpu"] = d.cpu;
  if (d.memory_mib > 0) vm["memory_mb"] = d.memory_mib;
  vm["firmware"] = d.firmware.empty() ? "unknown" : d.firmware;
  if (!d.os_hint.empty()) vm["os_hint"] = d.os_hint;
  json nics = json::array();
  for (const ExportedNic& n : d.nics) {
    json j = json::object();
    if (!n.mac.empty()) j["mac"] = n.mac;
    if (!n.network.empty()) j["network"] = n.network;
    if (!n.model.empty()) j["model"] = n.model;
    nics.push_back(std::move(j));
  }
  vm["nics"] = std::move(nics);

  json disks = json::array();
  for (const ExportedDisk& x : d.disks) {
    json j = {{"id", x.id},
              {"source_format", "vmdk"},
              {"bytes", x.bytes},
              {"local_path", x.local_path.generic_string()},
              {"boot_order_hint", x.boot_order}};
    if (!x.sha256.empty()) j["checksum"] = "sha256:" + x.sha256;
    if (!x.disk_type.empty()) j["disk_type"] = x.disk_type;
    disks.push_back(std::move(j));
  }
  json source = {{"provider", "vsphere"}, {"vm_name", d.vm_name}, {"exported_at", utc_now()}, {"exporter", "hyper2kvm export"}};
  if (!d.vcenter.empty()) source["vcenter"] = d.vcenter;
  json doc = {{"manifest_version", "1.0"}, {"source", std::move(source)}, {"vm", std::move(vm)}, {"disks", std::move(disks)}};
  if (!d.ovf.empty()) doc["ovf"] = d.ovf;
  return doc.dump(2) + "\n";
}

void write_export_manifest(const std::filesystem::path& path, const ExportManifestData& data) {
  h2k::atomic_write_file(path, export_manifest_json(data));
}

}  // namespace h2k::vsphere
