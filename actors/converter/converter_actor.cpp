#include "actors/converter/converter_actor.hpp"

#include <chrono>
#include <stdexcept>

#include <caf/all.hpp>

#include "storage/dedup_key.hpp"

namespace h2k {

converter_state::~converter_state() {
  abandoned->store(true);
  cancel.cancel();
  if (worker.joinable()) worker.join();
}

namespace {

using namespace std::chrono_literals;

// Forwards engine progress, throttled: the scheduler and stats need a live
// figure, not thousands of messages a second. Every report carries the
// lease (epoch, holder) it belongs to.
class ProgressForwarder {
public:
  ProgressForwarder(msg::job_report_actor to, const msg::job_assignment& job, const FaultPlan& faults)
      : to_(std::move(to)), job_(job), faults_(faults) {}
  void operator()(msg::job_progress p) {
    if (p.phase == "copy" && p.bytes_done > 0) faults_.exit_if_at("mid_copy", job_.job_id);
    auto now = std::chrono::steady_clock::now();
    if (p.phase == phase_ && now - last_ < std::chrono::seconds(1)) return;
    phase_ = p.phase;
    last_ = now;
    p.epoch = job_.epoch;
    p.holder = job_.holder;
    caf::anon_send(to_, std::move(p));
  }

private:
  msg::job_report_actor to_;
  const msg::job_assignment& job_;
  const FaultPlan& faults_;
  std::string phase_;
  std::chrono::steady_clock::time_point last_{};
};

// The coordinator found the VM already converted (by job `original`):
// nothing is converted; the job ends as a duplicate.
msg::job_outcome duplicate_outcome(const std::string& job_id, const std::string& original, LogTail& log) {
  log.add("duplicate of job " + original + " (same dedup key): nothing converted");
  msg::job_outcome out;
  out.job_id = job_id;
  out.status = "duplicate";
  out.phase = "load";
  out.error = "duplicate of job " + original;
  out.log_tail = log.lines();
  return out;
}

// Cluster mode with content dedup: the coordinator asks the slot that
// converts a job to compute its key (the files are read here anyway; no
// watcher reads them for it). "" when nothing is asked.
std::string dedup_key_of(const ConverterSettings& settings, const msg::job_assignment& job,
                         const std::function<void(msg::job_progress)>& report, const CancelToken& cancel) {
  if (job.dedup_method.empty()) return "";
  auto method = dedup_method_from_string(job.dedup_method);
  if (!method)
    throw ConversionError(ErrorKind::Internal, job.sources.empty() ? "" : job.sources.front(),
                          "the coordinator asked for an unknown dedup method '" + job.dedup_method + "'");
  std::vector<std::filesystem::path> files;
  std::uint64_t total = 0;
  for (const auto& s : job.sources) {
    files.push_back(job.source_root == "external" ? std::filesystem::path(s) : settings.watch_root / s);
    std::error_code ec;
    auto size = std::filesystem::file_size(files.back(), ec);
    if (!ec) total += size;
  }
  msg::job_progress p;
  p.job_id = job.job_id;
  p.phase = "hash";
  p.bytes_total = total;
  p.message = "computing the dedup key (" + job.dedup_method + ")";
  report(p);
  // Progress as the files are read (throttled by the forwarder): a large VM
  // on a slow share takes minutes, and the watchdog must see it alive.
  return dedup_key(files, *method, cancel, [&](std::uint64_t n) {
    p.bytes_done += n;  // percent (of the whole job) stays 0: the conversion has not begun
    report(p);
  });
}

msg::job_outcome failed_before_start(const std::string& job_id, const ConversionError& e, LogTail& log) {
  msg::job_outcome out;
  out.job_id = job_id;
  out.status = e.kind() == ErrorKind::Cancelled ? "cancelled" : "failed";
  out.error_kind = to_string(e.kind());
  out.error_file = e.file();
  out.error = e.what();
  out.phase = "load";
  log.add("error: " + out.error);
  out.log_tail = log.lines();
  return out;
}

// The worker thread's whole life: have the scheduler reserve the output
// folder for this lease, convert into a staging folder named after the
// lease, ask the scheduler's permission to publish (fenced: a stale lease is
// refused and its staging removed), report.
void run_job(caf::actor_system& sys, msg::converter_actor slot, msg::job_report_actor scheduler,
             ConverterSettings settings, msg::job_assignment job, CancelToken cancel,
             std::shared_ptr<std::atomic<bool>> busy, std::shared_ptr<std::atomic<bool>> abandoned) {
  LogTail log;
  ConvertRequest req = make_convert_request(settings, job);
  const FaultPlan& faults = settings.faults;
  msg::job_outcome outcome;
  try {
    log.add("attempt " + std::to_string(job.attempt) + " (epoch " + std::to_string(job.epoch) + ", " + job.holder +
            ") of " + (job.sources.empty() ? std::string() : job.sources.front()));
    faults.exit_if_at("before_staging", job.job_id);
    const std::string name = source_vm_name(req);
    ProgressForwarder forward(scheduler, job, faults);
    const std::string key = dedup_key_of(settings, job, std::ref(forward), cancel);
    caf::scoped_actor self{sys};
    msg::plan_reply plan;
    // Bounded waits: a scheduler that cannot answer must not hold the slot forever.
    self->request(scheduler, settings.scheduler_timeout,
                  msg::job_planned{job.job_id, job.epoch, job.holder, job.output_subdir, name, key})
        .receive([&](msg::plan_reply& r) { plan = std::move(r); }, [&](const caf::error&) {});
    if (!plan.duplicate_of.empty()) {
      outcome = duplicate_outcome(job.job_id, plan.duplicate_of, log);
    } else {
      const std::string& folder = plan.output_folder;
      if (folder.empty())
        throw ConversionError(ErrorKind::Io, req.source.string(),
                              "the scheduler reserved no output folder (the job's lease is no longer current, "
                              "or its state store is unavailable)");
      const std::filesystem::path rel(folder);
      req.output_dir = settings.output_root / rel.parent_path();
      if (!settings.conversion.domain_output_dir.empty())
        req.domain_output_dir = settings.conversion.domain_output_dir / rel.parent_path();
      req.name_override = rel.filename().string();
      req.before_publish = [&] {
        faults.exit_if_at("staging_complete", job.job_id);
        bool allowed = false;
        self->request(scheduler, settings.scheduler_timeout, msg::publish_request{job.job_id, job.epoch, job.holder})
            .receive([&](bool ok) { allowed = ok; }, [&](const caf::error&) {});
        if (!allowed)
          throw ConversionError(ErrorKind::Io, req.source.string(),
                                "the scheduler did not allow publishing " + folder +
                                    " (the job's lease is no longer current, or its state store is "
                                    "unavailable); the staging folder is removed");
        faults.stop_if_at("publish_allowed", job.job_id);
      };
      req.after_publish = [&] { faults.exit_if_at("after_publish_rename", job.job_id); };
      outcome = run_conversion(req, job.job_id, settings.output_root, std::ref(forward), cancel, log);
    }
  } catch (const ConversionError& e) {
    outcome = failed_before_start(job.job_id, e, log);
  } catch (const std::exception& e) {
    outcome = failed_before_start(job.job_id, ConversionError(ErrorKind::Internal, req.source.string(), e.what()), log);
  }
  outcome.epoch = job.epoch;
  outcome.holder = job.holder;
  outcome.error_file = relative_to(outcome.error_file, settings.watch_root);
  busy->store(false);
  if (!abandoned->load()) {
    caf::anon_send(scheduler, std::move(outcome));
    caf::anon_send(slot, msg::done_atom::value, job.job_id);  // a job held back while this one was cancelled may start
  }
}

}  // namespace

// A job id no job can have (ids are [A-Za-z0-9._-]): the slot_throw fault.
constexpr const char* kThrowNow = "<fault:throw>";

msg::converter_actor::behavior_type converter_actor_fn(msg::converter_actor::stateful_pointer<converter_state> self,
                                                       msg::job_report_actor scheduler, ConverterSettings settings) {
  return {
      [=](msg::job_assignment& job) {
        auto& st = self->state;
        if (st.busy->load()) {
          // The running attempt is ending or about to: it was cancelled (its
          // lease revoked, the daemon stopping it), or, in a cluster, the
          // coordinator revoked its lease when this node registered again
          // and assigned the slot anew before the node's link got the
          // welcome that cancels the old attempt (both leave the
          // coordinator together, the assignment first). This job starts
          // once the worker is done. The scheduler assigns a slot only when
          // it holds no lease of it any more, so a job already held here is
          // no longer this slot's: the newer assignment replaces it (its
          // lease went back to the queue; a report of it would be stale).
          st.held = std::move(job);
          return;
        }
        if (st.worker.joinable()) st.worker.join();  // the previous job has reported already
        st.cancel = CancelToken();
        st.job_id = job.job_id;
        st.busy->store(true);
        // Test-only (H2K_FAULT=slot_throw): the slot dies mid-job, on the
        // job's first attempt, as a bug in the actor would make it.
        const bool throw_later = settings.faults.at("slot_throw", job.job_id) && job.attempt == 1;
        st.worker = std::thread(run_job, std::ref(self->system()), msg::converter_actor(self), scheduler, settings,
                                std::move(job), st.cancel, st.busy, st.abandoned);
        if (throw_later)
          self->delayed_send(self, std::chrono::seconds(2), msg::cancel_atom::value, std::string(kThrowNow));
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
        // The running attempt first: a revoked attempt and the new lease
        // held behind it may be of the same job; the revocation's cancel is
        // for the attempt running, a cancel once that one is already ending
        // is for the held one.
        if (job_id == st.job_id && st.busy->load() && !st.cancel.cancelled()) {
          st.cancel.cancel();
          return;
        }
        if (st.held && st.held->job_id == job_id) {
          // Cancelled before it started: report it like a cancelled run.
          msg::job_outcome out;
          out.job_id = job_id;
          out.epoch = st.held->epoch;
          out.holder = st.held->holder;
          out.status = "cancelled";
          out.phase = "load";
          st.held.reset();
          self->send(scheduler, std::move(out));
          return;
        }
        if (job_id == kThrowNow) throw std::runtime_error("H2K_FAULT slot_throw: converter slot made to throw");
      },
      [=](msg::shutdown_atom) {
        self->state.cancel.cancel();
        if (self->state.worker.joinable()) self->state.worker.join();
        self->quit();
      },
  };
}

}  // namespace h2k
