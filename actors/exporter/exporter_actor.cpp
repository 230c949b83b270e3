#include "actors/exporter/exporter_actor.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "engine/vsphere/credentials.hpp"
#include "engine/vsphere/inventory.hpp"
#include "engine/vsphere/vsphere_session.hpp"

namespace h2k {
namespace fs = std::filesystem;

exporter_state::~exporter_state() {
  abandoned->store(true);
  cancel->store(true);
  if (worker.joinable()) worker.join();
}

namespace {

using namespace std::chrono_literals;

vsphere::VsphereCredentials credentials_for(const ExportRequest& request, const ExporterSettings& s) {
  const ExportSource& r = request.source;
  if (!request.password.empty()) {
    vsphere::VsphereCredentials c;
    c.username = r.username.empty() ? s.default_username : r.username;
    c.password = request.password;
    if (c.username.empty())
      throw ConversionError(ErrorKind::InvalidInput, "vsphere://" + r.vcenter, "no vSphere user name given");
    return c;
  }
  // The submitter gave no password (or the daemon restarted since: it is
  // never stored): the exporter's own, from its environment or file.
  try {
    const std::string user = r.username.empty() ? s.default_username : r.username;
    return vsphere::resolve_credentials(user.empty() ? std::nullopt : std::optional<std::string>(user),
                                        s.credentials_file.empty() ? std::nullopt
                                                                   : std::optional<fs::path>(s.credentials_file));
  } catch (const std::exception& e) {
    throw ConversionError(ErrorKind::InvalidInput, "vsphere://" + r.vcenter,
                          std::string(e.what()) +
                              " (the exporter has no password for this job: give one with the request, or set "
                              "vsphere.credentials_file in the daemon's configuration)");
  }
}

// The worker thread's whole life: log in, find the VM, export it into this
// lease's folder in the queue, report "exported" (or why not).
void run_export(msg::exporter_actor slot, msg::job_report_actor scheduler, ExporterSettings settings,
                std::shared_ptr<spdlog::logger> log, msg::job_assignment job, std::shared_ptr<std::atomic<bool>> cancel,
                std::shared_ptr<std::atomic<bool>> busy, std::shared_ptr<std::atomic<bool>> abandoned) {
  const auto started = std::chrono::steady_clock::now();
  msg::job_outcome out;
  out.job_id = job.job_id;
  out.epoch = job.epoch;
  out.holder = job.holder;
  out.phase = "export";
  const fs::path rel_folder = export_folder(job.job_id, job.epoch);
  const fs::path folder = settings.watch_root / rel_folder;
  std::string what = "vsphere export";
  try {
    const ExportRequest request = parse_export_request(job.export_request);
    const ExportSource& req = request.source;
    what = "vsphere://" + req.vcenter + "/" + req.vm;
    out.error_file = what;
    out.log_tail.push_back("attempt " + std::to_string(job.attempt) + " (epoch " + std::to_string(job.epoch) + ", " +
                           job.holder + "): export of " + req.vm + " from " + req.vcenter);
    vsphere::TlsPolicy tls;
    tls.insecure = req.insecure;
    tls.thumbprint = req.thumbprint;
    tls.ca_file = req.ca_file;
    const vsphere::Endpoint endpoint = vsphere::parse_endpoint(req.vcenter, tls);
    const vsphere::VsphereCredentials creds = credentials_for(request, settings);
    if (req.insecure) log->warn("job {}: insecure: the certificate of {} is not verified", job.job_id, req.vcenter);
    std::error_code ec;
    fs::remove_all(folder, ec);  // a folder of this epoch can only be a dead process's
    fs::create_directories(folder, ec);
    if (ec) throw ConversionError(ErrorKind::Io, folder.string(), "cannot create the export folder: " + ec.message());

    vsphere::ExportOptions opts;
    opts.output_dir = folder;
    opts.parallel_disks = settings.parallel_disks;
    opts.shutdown = req.shutdown;
    opts.shutdown_timeout = settings.shutdown_timeout;
    opts.lease_ready_timeout = settings.lease_ready_timeout;
    opts.vcenter = req.vcenter;
    vsphere::ExportCallbacks cb;
    auto last = std::chrono::steady_clock::time_point{};
    cb.progress = [&](const vsphere::ExportProgress& p) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last < 1s) return;  // live figures, not a message per chunk
      last = now;
      msg::job_progress m;
      m.job_id = job.job_id;
      m.epoch = job.epoch;
      m.holder = job.holder;
      m.phase = "export";
      m.percent = p.percent < 0 ? 0 : p.percent;
      m.bytes_done = p.bytes_done;
      m.bytes_total = p.bytes_total;
      m.rate_bps = p.elapsed_s > 0 ? static_cast<double>(p.bytes_done) / p.elapsed_s : 0;
      m.eta_s = p.bytes_total > 0 && m.rate_bps > 0 ? static_cast<double>(p.bytes_total - p.bytes_done) / m.rate_bps : -1;
      m.message = progress_message(p);
      caf::anon_send(scheduler, std::move(m));
    };
    cb.notice = [&](const std::string& line) {
      log->info("job {}: {}", job.job_id, line);
      if (out.log_tail.size() < 30) out.log_tail.push_back(line);
    };
    auto session = vsphere::VsphereSession::login(endpoint, creds);
    const auto dc = req.datacenter.empty() ? std::nullopt : std::optional<std::string>(req.datacenter);
    const vsphere::MoRef vm = vsphere::find_vm(*session, req.vm, dc);
    const vsphere::ExportResult r = vsphere::export_vm(*session, vm, opts, cb, *cancel);
    out.status = "exported";
    out.output_path = rel_folder.generic_string();
    out.files = exported_sources(r, settings.watch_root);
    out.bytes_converted = r.bytes;
    out.warnings = r.warnings;
    out.phase.clear();
    log->info("job {}: exported {} ({} file(s), {} bytes, {:.1f} MB/s){}", job.job_id, req.vm, r.files.size(), r.bytes,
              r.transfer_seconds > 0 ? static_cast<double>(r.bytes) / 1e6 / r.transfer_seconds : 0.0,
              r.all_verified ? "" : "; not every file could be checked against the lease's manifest");
  } catch (const std::exception& e) {
    const ClassifiedError c = classify_export_error(e);
    out.status = c.kind == ErrorKind::Cancelled || cancel->load() ? "cancelled" : "failed";
    out.error_kind = to_string(c.kind);
    out.error = c.message;
    if (out.error_file.empty()) out.error_file = what;
    out.log_tail.push_back("error: " + c.message);
    // Nothing half-exported stays in the queue (the lease was aborted): a
    // retry downloads again under its own lease and folder.
    std::error_code ec;
    if (fs::exists(folder, ec)) {
      fs::remove_all(folder, ec);
      out.error += " (the daemon removed this attempt's partial files from the queue)";
    }
  }
  out.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  busy->store(false);
  if (!abandoned->load()) {
    caf::anon_send(scheduler, std::move(out));
    caf::anon_send(slot, msg::done_atom::value, job.job_id);
  }
}

}  // namespace

msg::exporter_actor::behavior_type exporter_actor_fn(msg::exporter_actor::stateful_pointer<exporter_state> self,
                                                     msg::job_report_actor scheduler, ExporterSettings settings,
                                                     std::shared_ptr<spdlog::logger> log) {
  return {
      [=](msg::job_assignment& job) {
        auto& st = self->state;
        if (st.busy->load()) {
          // Starts once the running export has wound down: it was cancelled,
          // or its lease was revoked when this node registered again and the
          // cancel is on its way; a job held already is no longer this
          // slot's (converter_actor.cpp says more).
          st.held = std::move(job);
          return;
        }
        if (st.worker.joinable()) st.worker.join();
        st.cancel = std::make_shared<std::atomic<bool>>(false);
        st.job_id = job.job_id;
        st.busy->store(true);
        st.worker = std::thread(run_export, msg::exporter_actor(self), scheduler, settings, log, std::move(job), st.cancel,
                                st.busy, st.abandoned);
      },
      [=](msg::done_atom, const std::string&) {
        auto& st = self->state;
        if (!st.held || st.busy->load()) return;
        msg::job_assignment next = std::move(*st.held);
        st.held.reset();
        self->send(self, std::move(next));
      },
      [=](msg::cancel_atom, const std::string& job_id) {
        auto& st = self->state;
        // The running export first (a revoked attempt and a new lease of the
        // same job held behind it), the held one once that one is ending.
        if (job_id == st.job_id && st.busy->load() && !st.cancel->load()) {
          st.cancel->store(true);
          return;
        }
        if (st.held && st.held->job_id == job_id) {
          msg::job_outcome out;
          out.job_id = job_id;
          out.epoch = st.held->epoch;
          out.holder = st.held->holder;
          out.status = "cancelled";
          out.phase = "export";
          st.held.reset();
          self->send(scheduler, std::move(out));
        }
      },
      [=](msg::shutdown_atom) {
        self->state.cancel->store(true);  // export_vm aborts the lease before it returns
        if (self->state.worker.joinable()) self->state.worker.join();
        self->quit();
      },
  };
}

}  // namespace h2k
