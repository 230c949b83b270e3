#include "engine/vsphere/nfc_lease.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include "engine/core/error.hpp"
#include "engine/vsphere/soap_xml.hpp"

namespace h2k::vsphere {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The readable part of a LocalizedMethodFault (the lease's "error" property).
std::string fault_text(pugi::xml_node error, std::string& type) {
  pugi::xml_node fault = child(error, "fault");
  type = xsi_type(fault);
  std::string msg = child_text(error, "localizedMessage");
  if (msg.empty()) msg = child_text(fault, "reason");
  if (msg.empty()) msg = type.empty() ? "unknown error" : type;
  return msg;
}

}  // namespace

LeaseInfo parse_lease_info(pugi::xml_node info) {
  LeaseInfo li;
  for (pugi::xml_node d : children(info, "deviceUrl")) {
    LeaseDevice dev;
    dev.key = child_text(d, "key");
    dev.url = child_text(d, "url");
    dev.target_id = child_text(d, "targetId");
    dev.disk = child_text(d, "disk") == "true";
    dev.file_size = to_u64(child_text(d, "fileSize"));
    li.devices.push_back(std::move(dev));
  }
  if (const auto t = to_u64(child_text(info, "leaseTimeout")); t > 0) li.timeout = std::chrono::seconds(t);
  li.total_capacity_kb = to_u64(child_text(info, "totalDiskCapacityInKB"));
  return li;
}

NfcLease::NfcLease(const VsphereSession& session, MoRef lease, std::string vm_name)
    : session_(session), lease_(std::move(lease)), vm_name_(std::move(vm_name)) {}

void NfcLease::call(const char* method, const std::string& args) {
  const std::string body = std::string("<") + method + " xmlns=\"urn:vim25\">" + lease_.xml("_this") + args + "</" + method + ">";
  session_.call(body);
}

LeaseInfo NfcLease::wait_ready(std::chrono::seconds max_wait, const std::atomic<bool>& cancel) {
  const auto deadline = std::chrono::steady_clock::now() + max_wait;
  auto pause = std::chrono::milliseconds(100);
  std::string state;
  for (;;) {
    if (cancel.load()) throw ConversionError(ErrorKind::Cancelled, vm_name_, "export cancelled while the lease was initializing");
    const pugi::xml_document doc = retrieve_properties(session_, lease_, {"state", "error", "info"});
    state = property_value(doc, "state").text().as_string();
    if (state == "ready") return parse_lease_info(property_value(doc, "info"));
    if (state == "error") {
      std::string type;
      const std::string msg = fault_text(property_value(doc, "error"), type);
      throw VsphereError("export lease of VM " + vm_name_ + " failed: " + msg, type);
    }
    if (state == "done")
      throw VsphereError("export lease of VM " + vm_name_ + " ended before any download", "InvalidState");
    if (std::chrono::steady_clock::now() + pause > deadline) break;
    // Initializing: vCenter snapshots the disks first; poll calmly.
    const auto until = std::chrono::steady_clock::now() + pause;
    while (std::chrono::steady_clock::now() < until) {
      if (cancel.load()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    pause = std::min<std::chrono::milliseconds>(pause * 2, std::chrono::seconds(2));
  }
  throw ConversionError(ErrorKind::Timeout, vm_name_,
                        "export lease still '" + state + "' after " + std::to_string(max_wait.count()) + " s");
}

void NfcLease::progress(int percent) {
  call("HttpNfcLeaseProgress", "<percent>" + std::to_string(std::clamp(percent, 0, 100)) + "</percent>");
}

void NfcLease::complete() { call("HttpNfcLeaseComplete"); }

std::string NfcLease::abort() noexcept {
  try {
    call("HttpNfcLeaseAbort");
    return {};
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

std::string NfcLease::ended_reason() noexcept {
  try {
    const pugi::xml_document doc = retrieve_properties(session_, lease_, {"state", "error"});
    const std::string state = property_value(doc, "state").text().as_string();
    if (state.empty() || state == "ready") return {};
    std::string out = "the lease is in state " + state;
    if (pugi::xml_node error = property_value(doc, "error")) {
      std::string type;
      const std::string msg = fault_text(error, type);
      out += ": " + msg + (type.empty() || type == msg ? "" : " (" + type + ")");
    }
    return out;
  } catch (...) {
    return {};
  }
}

void NfcLease::set_manifest_checksum_type(const std::vector<std::string>& device_keys, const std::string& algorithm) {
  std::string args;
  for (const std::string& k : device_keys)
    args += "<deviceUrlsToChecksumTypes><key>" + xml_escape(k) + "</key><value>" + xml_escape(algorithm) +
            "</value></deviceUrlsToChecksumTypes>";
  call("HttpNfcLeaseSetManifestChecksumType", args);
}

std::vector<LeaseChecksum> NfcLease::manifest() {
  return parse_lease_manifest(session_.call(std::string("<HttpNfcLeaseGetManifest xmlns=\"urn:vim25\">") +
                                            lease_.xml("_this") + "</HttpNfcLeaseGetManifest>"));
}

std::vector<LeaseChecksum> parse_lease_manifest(const pugi::xml_document& response) {
  std::vector<LeaseChecksum> out;
  for (pugi::xml_node e : children(body_element(response), "returnval")) {
    LeaseChecksum c;
    c.key = child_text(e, "key");
    c.size = to_u64(child_text(e, "size"));
    const std::string sha1 = lower(child_text(e, "sha1"));
    const std::string sum = lower(child_text(e, "checksum"));
    if (!sum.empty()) {
      c.checksum = sum;
      c.algorithm = lower(child_text(e, "checksumType", "sha1"));
    } else if (!sha1.empty()) {
      c.checksum = sha1;
      c.algorithm = "sha1";
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace h2k::vsphere
