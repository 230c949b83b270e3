// ExportSession: the order of an export and what happens on failure. The
// download threads only download; this thread starts and ends the lease,
// watches the caller's cancel flag, reports progress, verifies and publishes.
#include "engine/vsphere/export_session.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "engine/core/hex.hpp"
#include "engine/vsphere/export_manifest_writer.hpp"
#include "engine/vsphere/export_ovf.hpp"
#include "engine/vsphere/guest_shutdown.hpp"
#include "engine/vsphere/inventory.hpp"
#include "engine/vsphere/lease_keeper.hpp"
#include "engine/vsphere/nfc_download.hpp"
#include "engine/vsphere/nfc_lease.hpp"
#include "engine/vsphere/soap_xml.hpp"

namespace h2k::vsphere {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A VM or file name as one path component: no '/', no leading '.', not empty.
std::string path_component(std::string s) {
  std::replace(s.begin(), s.end(), '/', '_');
  std::replace(s.begin(), s.end(), '\0', '_');
  if (s.empty()) s = "vm";
  if (s.front() == '.') s.insert(s.begin(), '_');
  return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// SHA-1 of a downloaded file, read back: only for a lease that gives SHA-1
// although it accepted SHA-256 (the download computed SHA-256 alone).
std::string file_sha1(const fs::path& p, const std::atomic<bool>& cancel) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ConversionError(ErrorKind::Io, p.string(), std::string("cannot open: ") + std::strerror(errno));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) != 1) {
    ::close(fd);
    throw ConversionError(ErrorKind::Internal, "", "OpenSSL cannot start a SHA-1 digest");
  }
  std::vector<char> block(1u << 20);
  for (;;) {
    if (cancel.load()) {
      ::close(fd);
      throw ConversionError(ErrorKind::Cancelled, p.string(), "checksum of " + p.filename().string() + " cancelled");
    }
    const ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw ConversionError(ErrorKind::Io, p.string(), std::string("cannot read: ") + std::strerror(err));
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), block.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return to_hex(md, len);
}

// One file of the lease and its download's state (shared with its worker).
struct FileJob {
  LeaseDevice device;
  std::string name;   // local file name
  std::string url;    // host substituted
  fs::path work_path; // where the download puts it (its .part beside)
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> total{0};
  std::atomic<bool> finished{false};
  NfcDownloadResult result;
  double seconds = 0;
};

const char* const kWorkDir = ".export-partial";

class ExportSession {
public:
  ExportSession(const VsphereSession& session, const MoRef& vm, const ExportOptions& options,
                const ExportCallbacks& callbacks, const std::atomic<bool>& cancel)
      : session_(session), vm_(vm), opts_(options), cb_(callbacks), cancel_(cancel) {}

  ExportResult run();

private:
  void notice(const std::string& m) {
    if (!cb_.notice) return;
    std::lock_guard<std::mutex> lock(notice_mu_);
    cb_.notice(m);
  }
  void ensure_powered_off();
  void prepare_folders();
  MoRef start_lease();
  void select_files(const LeaseInfo& info);
  void ask_sha256_manifest(NfcLease& lease);
  void download_all(LeaseKeeper& keeper);
  void worker();
  ExportProgress snapshot() const;
  void verify(NfcLease& lease);
  void keep_only_parts();
  void end_lease_after_failure(NfcLease& lease);
  void publish();

  const VsphereSession& session_;
  MoRef vm_;
  ExportOptions opts_;
  ExportCallbacks cb_;
  const std::atomic<bool>& cancel_;

  Clock::time_point start_ = Clock::now();
  Clock::time_point transfer_start_;
  VmInfo info_;
  fs::path folder_, work_;
  std::vector<std::unique_ptr<FileJob>> jobs_;
  bool want_sha1_ = true;                // the lease's manifest may give SHA-1: hash both while downloading
  ExportResult result_;

  std::atomic<bool> stop_{false};        // tells the downloads to stop (caller cancel or a failed download)
  std::atomic<std::size_t> next_job_{0};
  std::mutex mu_;                        // guards first_error_ and running_
  std::condition_variable cv_;
  std::exception_ptr first_error_;
  int running_ = 0;
  std::mutex notice_mu_;
};

void ExportSession::ensure_powered_off() {
  if (info_.power_state == "poweredOff") return;
  if (!opts_.shutdown)
    throw ConversionError(ErrorKind::InvalidInput, "",
                          "VM " + info_.name + " is " + info_.power_state + "; power it off or pass --shutdown");
  notice("VM " + info_.name + " is " + info_.power_state + ": asking the guest to shut down (up to " +
         std::to_string(opts_.shutdown_timeout.count()) + " s)");
  shutdown_guest_and_wait(session_, vm_, info_.name, opts_.shutdown_timeout, cancel_);
  notice("VM " + info_.name + " is powered off");
}

void ExportSession::prepare_folders() {
  folder_ = opts_.output_dir / path_component(info_.name);
  work_ = folder_ / kWorkDir;
  if (fs::exists(folder_ / "manifest.json"))
    throw ConversionError(ErrorKind::InvalidInput, folder_.string(),
                          "already holds a complete export (manifest.json); remove it or choose another --output-dir");
  std::error_code ec;
  fs::create_directories(work_, ec);
  if (ec) throw ConversionError(ErrorKind::Io, work_.string(), "cannot create the export's work folder: " + ec.message());
}

MoRef ExportSession::start_lease() {
  try {
    const pugi::xml_document r = session_.call("<ExportVm xmlns=\"urn:vim25\">" + vm_.xml("_this") + "</ExportVm>");
    MoRef lease = moref_of(child(body_element(r), "returnval"));
    if (lease.empty()) throw VsphereError("ExportVm of VM " + info_.name + " returned no lease");
    return lease;
  } catch (const VsphereError& e) {
    throw VsphereError("ExportVm of VM " + info_.name + " refused: " + e.what(), e.fault);
  }
}

void ExportSession::select_files(const LeaseInfo& info) {
  for (const LeaseDevice& d : info.devices) {
    // Only disks and the nvram (UEFI variables) make the VM; ISO and floppy
    // images attached to it are left out.
    const bool nvram = ends_with(d.url, ".nvram") || ends_with(d.target_id, ".nvram");
    if (!d.disk && !nvram) {
      notice("skipping " + (d.target_id.empty() ? d.url : d.target_id) + " (not a disk)");
      continue;
    }
    auto job = std::make_unique<FileJob>();
    job->device = d;
    std::string name = d.target_id;
    if (name.empty()) name = d.url.substr(d.url.find_last_of('/') + 1);
    name = path_component(name);
    for (const auto& other : jobs_)
      if (other->name == name) name = std::to_string(jobs_.size()) + "-" + name;
    job->name = name;
    job->url = session_.url_for(d.url);
    job->work_path = work_ / name;
    job->total = d.file_size;
    jobs_.push_back(std::move(job));
  }
  if (jobs_.empty()) throw ConversionError(ErrorKind::InvalidInput, "", "the export lease of VM " + info_.name + " serves no disk");
}

// Hashing every byte once: the lease is asked for a SHA-256 manifest (vSphere
// 6.7+), the digest manifest.json needs anyway. A server that refuses (older
// hosts answer a fault) keeps its SHA-1 manifest: then both are computed.
void ExportSession::ask_sha256_manifest(NfcLease& lease) {
  std::vector<std::string> keys;
  for (const auto& j : jobs_)
    if (!j->device.key.empty()) keys.push_back(j->device.key);
  if (keys.size() != jobs_.size()) return;
  try {
    lease.set_manifest_checksum_type(keys, "sha256");
    want_sha1_ = false;
  } catch (const VsphereError& e) {
    if (e.fault.empty()) throw;  // no answer: not a refusal
    notice("HttpNfcLeaseSetManifestChecksumType refused (" + std::string(e.what()) +
           "): verifying against the lease's SHA-1 manifest");
  }
}

void ExportSession::worker() {
  for (;;) {
    const std::size_t i = next_job_++;
    if (i >= jobs_.size() || stop_.load()) break;
    FileJob& job = *jobs_[i];
    const auto t0 = Clock::now();
    try {
      NfcDownloadOptions o;
      o.url = job.url;
      o.destination = job.work_path;
      o.configure = [this](CURL* c) { session_.configure_transfer(c); };
      o.expected_size = job.device.file_size;
      o.max_attempts = opts_.max_attempts;
      o.low_speed_time_s = opts_.low_speed_time_s;
      o.sha1 = want_sha1_;
      NfcDownload dl(
          o, stop_,
          [&job](std::uint64_t done, std::uint64_t total) {
            job.done = done;
            if (total) job.total = total;
          },
          [this, &job](const std::string& m) { notice("VM " + info_.name + ", " + job.name + ": " + m); });
      job.result = dl.run();
      job.done = job.result.bytes;
      job.total = job.result.bytes;
      job.seconds = seconds_since(t0);
      job.finished = true;
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      // The first failure is the one to report; the others are its echo
      // (their downloads were stopped because of it).
      if (!first_error_) first_error_ = std::current_exception();
      stop_ = true;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  cv_.notify_all();
}

ExportProgress ExportSession::snapshot() const {
  ExportProgress p;
  bool all_known = true;
  for (const auto& j : jobs_) {
    ExportFileProgress f{j->name, j->done.load(), j->total.load(), j->finished.load()};
    p.bytes_done += f.bytes_done;
    p.bytes_total += f.bytes_total;
    all_known = all_known && f.bytes_total > 0;
    p.files.push_back(std::move(f));
  }
  if (!all_known) p.bytes_total = 0;
  if (p.bytes_total > 0) p.percent = 100.0 * static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total);
  p.elapsed_s = seconds_since(transfer_start_);
  return p;
}

void ExportSession::download_all(LeaseKeeper& keeper) {
  transfer_start_ = Clock::now();
  const int n = std::clamp(opts_.parallel_disks, 1, static_cast<int>(jobs_.size()));
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = n;
  }
  for (int i = 0; i < n; ++i) threads.emplace_back([this] { worker(); });
  std::size_t finished_seen = 0;
  auto last_report = Clock::now() - std::chrono::seconds(1);
  std::unique_lock<std::mutex> lock(mu_);
  while (running_ > 0) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
    if (cancel_.load()) stop_ = true;
    lock.unlock();
    const ExportProgress p = snapshot();
    // Progress tells vCenter how far we are; percent stays below 100 until Complete.
    if (p.percent >= 0) keeper.set_percent(std::min(99, static_cast<int>(p.percent)));
    const auto finished = static_cast<std::size_t>(std::count_if(p.files.begin(), p.files.end(), [](auto& f) { return f.finished; }));
    if (cb_.progress && (finished != finished_seen || Clock::now() - last_report >= std::chrono::milliseconds(500))) {
      finished_seen = finished;
      last_report = Clock::now();
      cb_.progress(p);
    }
    lock.lock();
  }
  lock.unlock();
  for (auto& t : threads) t.join();
  result_.transfer_seconds = seconds_since(transfer_start_);
  if (cancel_.load()) throw ConversionError(ErrorKind::Cancelled, "", "export of VM " + info_.name + " cancelled");
  if (!first_error_) return;
  try {
    std::rethrow_exception(first_error_);
  } catch (const ConversionError& e) {
    if (e.kind() == ErrorKind::Cancelled) throw;
    throw ConversionError(e.kind(), e.file(), "export of VM " + info_.name + ": " + e.reason());
  }
}

void ExportSession::verify(NfcLease& lease) {
  std::vector<LeaseChecksum> sums;
  // Said with its time: a server may compute the manifest only when asked,
  // reading every file again (vcsim does; ESXi hashes during the transfer),
  // and that wait is the server's, not the download's.
  const auto asked = Clock::now();
  try {
    sums = lease.manifest();
    char took[32];
    std::snprintf(took, sizeof took, "%.2f", std::chrono::duration<double>(Clock::now() - asked).count());
    notice("lease manifest (HttpNfcLeaseGetManifest): " + std::to_string(sums.size()) + " file(s) listed, answered in " +
           took + " s");
  } catch (const std::exception& e) {
    result_.warnings.push_back("the lease's manifest is unavailable (" + std::string(e.what()) + "): checksums unverified");
  }
  if (sums.empty() && result_.warnings.empty())
    result_.warnings.push_back("the lease's manifest lists no files: checksums unverified");
  std::vector<std::string> mismatches;
  for (auto& j : jobs_) {
    ExportedFileResult f;
    f.name = j->name;
    f.path = folder_ / j->name;
    f.device_key = j->device.key;
    f.disk = j->device.disk;
    f.bytes = j->result.bytes;
    f.sha256 = j->result.sha256;
    f.sha1 = j->result.sha1;
    f.seconds = j->seconds;
    f.attempts = j->result.attempts;
    f.restarts = j->result.restarts;
    f.resumes = j->result.resumes;
    const auto it = std::find_if(sums.begin(), sums.end(), [&](const LeaseChecksum& c) { return c.key == j->device.key; });
    if (it != sums.end() && !it->checksum.empty()) {
      f.manifest_algo = it->algorithm;
      if (it->algorithm == "sha1" && f.sha1.empty()) {
        // Accepted SHA-256, still gave SHA-1: read the file back for it.
        notice(f.name + ": the lease's manifest gives SHA-1 although SHA-256 was asked for; computing SHA-1 of the file");
        f.sha1 = file_sha1(j->work_path, cancel_);
      }
      const std::string* mine = it->algorithm == "sha1" ? &f.sha1 : it->algorithm == "sha256" ? &f.sha256 : nullptr;
      if (!mine) {
        result_.warnings.push_back(f.name + ": the lease's checksum type '" + it->algorithm + "' is not supported: unverified");
      } else if (*mine != it->checksum || (it->size > 0 && it->size != f.bytes)) {
        mismatches.push_back(f.name + " (" + it->algorithm + " " + *mine + ", " + std::to_string(f.bytes) +
                             " bytes; the lease's manifest says " + it->checksum + ", " + std::to_string(it->size) + " bytes)");
        // A wrong file must not be resumed by the next export: start it over.
        std::error_code ec;
        fs::remove(j->work_path, ec);
      } else {
        f.verified = true;
      }
    } else if (!sums.empty()) {
      result_.warnings.push_back(f.name + ": not in the lease's manifest: unverified");
    }
    result_.restarts += f.restarts;
    result_.resumes += f.resumes;
    result_.bytes += f.bytes;
    result_.files.push_back(std::move(f));
  }
  if (!mismatches.empty()) {
    std::string m = "checksum mismatch for VM " + info_.name + ": ";
    for (std::size_t i = 0; i < mismatches.size(); ++i) m += (i ? "; " : "") + mismatches[i];
    throw ConversionError(ErrorKind::Io, "", m);
  }
  result_.all_verified = std::all_of(result_.files.begin(), result_.files.end(), [](auto& f) { return f.verified; });
}

// After a failure: whatever finished goes back to <name>.part, so nothing in
// the work folder looks like a finished file and the next run resumes it.
void ExportSession::keep_only_parts() {
  for (auto& j : jobs_) {
    std::error_code ec;
    if (fs::exists(j->work_path, ec)) fs::rename(j->work_path, NfcDownload::part_path(j->work_path), ec);
  }
}

void ExportSession::publish() {
  std::vector<OvfFile> ovf_files;
  for (auto& f : result_.files) ovf_files.push_back({f.device_key, f.name, f.bytes, f.disk});
  std::string ovf;
  try {
    ovf = create_ovf_descriptor(session_, vm_, info_.name, ovf_files);
  } catch (const std::exception& e) {
    result_.warnings.push_back(std::string("OvfManager.CreateDescriptor failed (") + e.what() +
                               "); wrote a minimal OVF from the VM's configuration");
    result_.ovf_from_vcenter = false;
    ovf = minimal_ovf_descriptor(info_, ovf_files);
  }
  for (auto& j : jobs_) {
    std::error_code ec;
    fs::rename(j->work_path, folder_ / j->name, ec);
    if (ec) throw ConversionError(ErrorKind::Io, (folder_ / j->name).string(), "cannot move the download into place: " + ec.message());
  }
  result_.ovf = folder_ / (path_component(info_.name) + ".ovf");
  atomic_write_file(result_.ovf, ovf);
  std::error_code ec;
  fs::remove_all(work_, ec);
  fsync_dir(folder_);

  ExportManifestData m;
  m.vm_name = info_.name;
  m.vcenter = opts_.vcenter;
  m.cpu = info_.num_cpu;
  m.memory_mib = info_.memory_mb > 0 ? static_cast<std::uint64_t>(info_.memory_mb) : 0;
  m.firmware = info_.firmware == "efi" ? "uefi" : info_.firmware;
  m.os_hint = info_.guest_id;
  m.ovf = result_.ovf.filename().string();
  int order = 0;
  for (auto& f : result_.files) {
    if (!f.disk) continue;
    std::string id = f.name;
    if (ends_with(id, ".vmdk")) id.resize(id.size() - 5);
    m.disks.push_back({id, f.name, f.bytes, f.sha256, order++, "streamOptimized"});
  }
  for (const VmNic& n : info_.nics) m.nics.push_back({n.mac, n.network, n.adapter_type});
  result_.manifest = folder_ / "manifest.json";
  write_export_manifest(result_.manifest, m);  // last: its presence means the export is whole
}

ExportResult ExportSession::run() {
  info_ = vm_info(session_, vm_);
  result_.vm_name = info_.name;
  ensure_powered_off();
  prepare_folders();
  result_.folder = folder_;

  // A signal before the lease exists: nothing to abort yet.
  if (cancel_.load()) throw ConversionError(ErrorKind::Cancelled, "", "export of VM " + info_.name + " cancelled before it started");
  NfcLease lease(session_, start_lease(), info_.name);
  try {
    const LeaseInfo li = lease.wait_ready(opts_.lease_ready_timeout, cancel_);
    select_files(li);
    ask_sha256_manifest(lease);
    notice("lease ready for VM " + info_.name + ": " + std::to_string(jobs_.size()) + " file(s), lease timeout " +
           std::to_string(li.timeout.count()) + " s");
    {
      LeaseKeeper keeper(
          LeaseKeeper::interval_for(li.timeout), [&lease](int percent) { lease.progress(percent); },
          [this](const std::string& e) { notice("lease renewal (HttpNfcLeaseProgress) failed: " + e); });
      download_all(keeper);
    }  // the keeper stops here: no Progress may follow Complete
    if (cancel_.load()) throw ConversionError(ErrorKind::Cancelled, "", "export of VM " + info_.name + " cancelled");
    verify(lease);
    lease.complete();
  } catch (const ConversionError& e) {
    stop_ = true;
    keep_only_parts();
    // A download refused with 404 or cut mid-body usually means the lease
    // ended (timed out, aborted by someone): say so, it is the real reason.
    const std::string ended = cancel_.load() || e.kind() == ErrorKind::Cancelled ? "" : lease.ended_reason();
    end_lease_after_failure(lease);
    if (ended.empty()) throw;
    throw ConversionError(e.kind(), e.file(), e.reason() + "; " + ended);
  } catch (...) {
    stop_ = true;
    keep_only_parts();
    end_lease_after_failure(lease);
    throw;
  }
  publish();
  result_.seconds = seconds_since(start_);
  return result_;
}

// Aborts the lease (best effort); on a cancel, throws the cancellation.
void ExportSession::end_lease_after_failure(NfcLease& lease) {
  const std::string abort_error = lease.abort();
  if (!abort_error.empty()) notice("HttpNfcLeaseAbort failed: " + abort_error);
  if (cancel_.load())
    throw ConversionError(ErrorKind::Cancelled, "",
                          abort_error.empty() ? "export cancelled; lease aborted"
                                              : "export cancelled; aborting the lease failed: " + abort_error);
}

}  // namespace

ExportResult export_vm(const VsphereSession& session, const MoRef& vm, const ExportOptions& options,
                       const ExportCallbacks& callbacks, const std::atomic<bool>& cancel) {
  ExportSession s(session, vm, options, callbacks, cancel);
  return s.run();
}

}  // namespace h2k::vsphere
