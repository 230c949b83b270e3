#include "actors/converter/converter_actor.hpp"

#include <chrono>

#include <caf/all.hpp>

namespace h2k {

converter_state::~converter_state() {
  cancel.cancel();
  if (worker.joinable()) worker.join();
}

namespace {

// Forwards engine progress, throttled: the scheduler and stats need a live
// figure, not thousands of messages a second.
class ProgressForwarder {
public:
  explicit ProgressForwarder(msg::scheduler_actor to) : to_(std::move(to)) {}
  void operator()(const msg::job_progress& p) {
    auto now = std::chrono::steady_clock::now();
    if (p.phase == phase_ && now - last_ < std::chrono::seconds(1)) return;
    phase_ = p.phase;
    last_ = now;
    caf::anon_send(to_, p);
  }

private:
  msg::scheduler_actor to_;
  std::string phase_;
  std::chrono::steady_clock::time_point last_{};
};

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

// The worker thread's whole life: plan the output folder, have the scheduler
// record it durably, convert, report.
void run_job(caf::actor_system& sys, msg::scheduler_actor scheduler, ConverterSettings settings,
             msg::job_assignment job, CancelToken cancel, std::shared_ptr<std::atomic<bool>> busy) {
  LogTail log;
  ConvertRequest req = make_convert_request(settings, job);
  msg::job_outcome outcome;
  try {
    log.add("attempt " + std::to_string(job.attempt) + " of " + req.source.string());
    req.name_override = plan_vm_name(req, job.job_id);
    auto rel = (std::filesystem::path(job.output_subdir) / req.name_override).string();
    bool recorded = false;
    caf::scoped_actor self{sys};
    self->request(scheduler, std::chrono::seconds(60), msg::job_planned{job.job_id, rel})
        .receive([&](bool ok) { recorded = ok; }, [&](const caf::error&) { recorded = false; });
    if (!recorded)
      throw ConversionError(ErrorKind::Io, req.source.string(),
                            "the scheduler could not record the output folder " + rel + " (job state store unavailable)");
    ProgressForwarder forward(scheduler);
    outcome = run_conversion(req, job.job_id, settings.output_root, std::ref(forward), cancel, log);
  } catch (const ConversionError& e) {
    outcome = failed_before_start(job.job_id, e, log);
  } catch (const std::exception& e) {
    outcome = failed_before_start(job.job_id, ConversionError(ErrorKind::Internal, req.source.string(), e.what()), log);
  }
  busy->store(false);
  caf::anon_send(scheduler, std::move(outcome));
}

}  // namespace

msg::converter_actor::behavior_type converter_actor_fn(msg::converter_actor::stateful_pointer<converter_state> self,
                                                       msg::scheduler_actor scheduler, ConverterSettings settings) {
  return {
      [=](msg::job_assignment& job) {
        auto& st = self->state;
        if (st.busy->load()) {
          // The scheduler never double-books a slot; answer rather than lose the job.
          msg::job_outcome out;
          out.job_id = job.job_id;
          out.status = "failed";
          out.error_kind = "io_error";  // retryable: the job itself is fine
          out.error = "converter slot busy with " + st.job_id;
          self->send(scheduler, std::move(out));
          return;
        }
        if (st.worker.joinable()) st.worker.join();  // the previous job has reported already
        st.cancel = CancelToken();
        st.job_id = job.job_id;
        st.busy->store(true);
        st.worker = std::thread(run_job, std::ref(self->system()), scheduler, settings, std::move(job), st.cancel,
                                st.busy);
      },
      [=](msg::cancel_atom, const std::string& job_id) {
        if (job_id == self->state.job_id && self->state.busy->load()) self->state.cancel.cancel();
      },
      [=](msg::shutdown_atom) {
        self->state.cancel.cancel();
        if (self->state.worker.joinable()) self->state.worker.join();
        self->quit();
      },
  };
}

}  // namespace h2k
