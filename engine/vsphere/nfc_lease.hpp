#pragma once
// NfcLease: the SOAP side of one export HttpNfcLease (ExportVm's result):
// wait until it is ready, read what it serves, renew it (Progress), and end it
// (Complete on success, Abort on any failure), plus its checksum manifest.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/vsphere/vsphere_session.hpp"

namespace h2k::vsphere {

// One HttpNfcLeaseDeviceUrl: a file the lease serves.
struct LeaseDevice {
  std::string key;         // device key, e.g. "/vm-57/ParaVirtualSCSIController0:0" (the manifest's key)
  std::string url;         // as the lease gives it: the host may be '*'
  std::string target_id;   // "disk-0.vmdk"; the name the file gets locally
  bool disk = false;
  std::uint64_t file_size = 0;  // 0 = not reported
};

struct LeaseInfo {
  std::vector<LeaseDevice> devices;
  std::chrono::seconds timeout{300};   // leaseTimeout: idle time without Progress before the lease ends
  std::uint64_t total_capacity_kb = 0;
};

// One HttpNfcLeaseManifestEntry: the server's checksum of a file it served.
struct LeaseChecksum {
  std::string key;
  std::string algorithm;  // "sha1" or "sha256" (lower case)
  std::string checksum;   // lowercase hex
  std::uint64_t size = 0;
};

class NfcLease {
public:
  // `vm_name` only names the VM in error messages.
  NfcLease(const VsphereSession& session, MoRef lease, std::string vm_name);

  // Polls state/error/info until "ready" (then returns its info), "error"
  // (throws VsphereError with the lease's fault) or `max_wait` passes, or
  // `cancel` is set (throws ConversionError(Cancelled)).
  LeaseInfo wait_ready(std::chrono::seconds max_wait, const std::atomic<bool>& cancel);

  void progress(int percent);    // HttpNfcLeaseProgress: also renews the lease
  void complete();               // HttpNfcLeaseComplete
  // HttpNfcLeaseAbort: best effort (the session or the host may be gone);
  // returns "" on success, else why it failed. Never throws.
  std::string abort() noexcept;
  // Why the lease is no longer usable, for an error message: "" while it is
  // ready (or cannot be read), else e.g. "the lease is in state error: Operation timed out. (Timedout)".
  std::string ended_reason() noexcept;
  // HttpNfcLeaseSetManifestChecksumType (vSphere 6.7+): asks GetManifest to
  // give `algorithm` ("sha256") for these device keys. Throws VsphereError
  // when the server refuses it (older hosts: a fault; the manifest then stays
  // SHA-1).
  void set_manifest_checksum_type(const std::vector<std::string>& device_keys, const std::string& algorithm);
  // HttpNfcLeaseGetManifest: one entry per file, in the lease's order.
  std::vector<LeaseChecksum> manifest();

  const MoRef& ref() const { return lease_; }

private:
  void call(const char* method, const std::string& args = {});

  const VsphereSession& session_;
  MoRef lease_;
  std::string vm_name_;
};

// Reads an HttpNfcLeaseInfo element (the <val> of property "info").
LeaseInfo parse_lease_info(pugi::xml_node info);

// Reads an HttpNfcLeaseGetManifest response envelope.
std::vector<LeaseChecksum> parse_lease_manifest(const pugi::xml_document& response);

}  // namespace h2k::vsphere
