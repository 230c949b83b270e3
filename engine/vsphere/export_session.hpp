#pragma once
// Exporting one powered-off VM from vSphere: ExportVm hands out an
// HttpNfcLease, its disks (and nvram) are downloaded in parallel over NFC
// (resumable, checksummed) while a LeaseKeeper renews the lease, the files are
// checked against the lease's manifest, the lease is completed, and the OVF and
// the export manifest (manifest.json, Artifact Manifest v1) are written.
//
// Layout: <output_dir>/<vm>/ receives <vm>.ovf, disk-N.vmdk, ... and, last,
// manifest.json (so a watcher never sees half an export). Downloads live in
// <output_dir>/<vm>/.export-partial/ as <file>.part until every file is
// verified. On any failure or cancellation the lease is aborted and only
// .part files remain there: the next export of the same VM continues them
// (files are named by the lease's targetId, disk-N.vmdk in device order, so a
// new lease's disk-N is the same disk; the manifest check of the new lease
// catches a disk that changed in between, and its .part is then dropped).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/vsphere/vsphere_session.hpp"

namespace h2k::vsphere {

struct ExportOptions {
  std::filesystem::path output_dir;
  int parallel_disks = 4;                        // NFC streams at once
  bool shutdown = false;                         // ShutdownGuest a powered-on VM first
  std::chrono::seconds shutdown_timeout{300};
  std::chrono::seconds lease_ready_timeout{600}; // vCenter snapshots big VMs before "ready"
  int max_attempts = 5;                          // per file, see NfcDownloadOptions
  long low_speed_time_s = 60;                    // a stream below 1 byte/s this long is retried
  std::string vcenter;                           // host[:port], recorded in manifest.json
};

struct ExportFileProgress {
  std::string name;                 // "disk-0.vmdk"
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;    // 0 = not known (yet)
  bool finished = false;
};

struct ExportProgress {
  std::vector<ExportFileProgress> files;
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;    // 0 unless every file's size is known
  double percent = -1;              // < 0: unknown (no fake percent)
  double elapsed_s = 0;
};

struct ExportCallbacks {
  // On export_vm's own thread, about twice a second and when a file finishes.
  std::function<void(const ExportProgress&)> progress;
  // Events worth a log line (lease ready, restarts, retries, lease renewal
  // failures); from any thread, serialised by the session.
  std::function<void(const std::string&)> notice;
};

struct ExportedFileResult {
  std::string name;                 // "disk-0.vmdk"
  std::filesystem::path path;       // final location
  std::string device_key;
  bool disk = true;
  std::uint64_t bytes = 0;
  std::string sha256;
  std::string sha1;
  std::string manifest_algo;        // "sha1" / "sha256" the lease's manifest used; "" = none given
  bool verified = false;            // matched the lease's manifest
  double seconds = 0;
  int attempts = 0;
  int restarts = 0;
  int resumes = 0;
};

struct ExportResult {
  std::string vm_name;
  std::filesystem::path folder;     // <output_dir>/<vm>
  std::filesystem::path ovf;
  std::filesystem::path manifest;   // manifest.json
  bool ovf_from_vcenter = true;     // false: the minimal fallback descriptor
  std::vector<ExportedFileResult> files;
  std::uint64_t bytes = 0;
  double seconds = 0;               // whole export
  double transfer_seconds = 0;      // downloads only
  int restarts = 0;
  int resumes = 0;
  bool all_verified = false;
  std::vector<std::string> warnings;
};

// Runs the whole export on the calling thread (plus download and lease
// threads it owns). `cancel` is the caller's flag (e.g. set by SIGINT): the
// lease is aborted before this returns. Throws ConversionError (Cancelled:
// "export cancelled; lease aborted"; InvalidInput: VM powered on without
// `shutdown`, export folder already complete; Io/Timeout: transfer failures,
// checksum mismatch) or VsphereError (vSphere refused a call; names the VM).
ExportResult export_vm(const VsphereSession& session, const MoRef& vm, const ExportOptions& options,
                       const ExportCallbacks& callbacks, const std::atomic<bool>& cancel);

}  // namespace h2k::vsphere
