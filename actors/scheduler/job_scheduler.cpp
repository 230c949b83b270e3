#include "actors/scheduler/job_scheduler.hpp"

#include "actors/scheduler/job_needs.hpp"

#include <algorithm>
#include <unistd.h>

#include "actors/cluster/share_marker.hpp"
#include "actors/common/error_report.hpp"
#include "actors/common/iso_time.hpp"
#include "actors/control_protocol/control_protocol.hpp"
#include "actors/scheduler/job_view.hpp"
#include "actors/scheduler/source_archiver.hpp"
#include "actors/scheduler/source_files.hpp"
#include "actors/scheduler/staging_sweep.hpp"
#include "storage/record_failure.hpp"

namespace h2k {
namespace fs = std::filesystem;

namespace {

std::string primary(const Job& job) { return job.sources.empty() ? std::string() : job.sources.front().string(); }

bool in_watch(const Job& job) { return job.source_root == kWatchRoot; }

std::vector<std::string> strings(const std::vector<fs::path>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(p.string());
  return out;
}

msg::control_reply ok(nlohmann::json body) {
  body["ok"] = true;
  return {true, body.dump()};
}
// `kind` tells a transport which status to answer with (control_protocol.hpp).
msg::control_reply error(const std::string& message, const char* kind = kErrorInvalid) {
  return {false, error_reply(message, kind).dump()};
}
// A failure of the daemon itself (no kind: the REST API answers 500).
msg::control_reply daemon_error(const std::string& message) { return {false, error_reply(message).dump()}; }

std::string file_type_of(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".json") return "manifest";
  if (ext == ".img") return "raw";
  return ext.empty() ? "raw" : ext.substr(1);
}

}  // namespace

namespace {
std::pair<std::string, std::size_t> parse_holder(const std::string& holder);
}  // namespace

JobScheduler::JobScheduler(SchedulerSettings settings, std::shared_ptr<JobStore> store,
                           std::shared_ptr<spdlog::logger> log)
    : settings_(std::move(settings)), store_(std::move(store)), log_(std::move(log)) {
  if (settings_.slots == 0 && settings_.export_slots == 0) return;  // a coordinator that only schedules
  NodeInfo self;
  self.name = settings_.node;
  if (settings_.slots > 0) self.roles.push_back("converter");
  if (settings_.export_slots > 0) self.roles.push_back("exporter");
  self.local = true;
  self.capabilities = settings_.capabilities;
  for (std::size_t i = 0; i < settings_.slots + settings_.export_slots; ++i) {
    Slot s;
    s.node = settings_.node;
    s.exporter = i >= settings_.slots;
    s.number = s.exporter ? i - settings_.slots + 1 : i + 1;
    slots_.push_back(s);
    self.slots.push_back(i);
  }
  self.joined_ms = settings_.started_at_ms;
  nodes_.join(std::move(self));
}

std::size_t JobScheduler::running() const { return busy_slots_; }

msg::queue_state JobScheduler::queue_state() const {
  auto c = store_->counters().by_state;
  return {c.queued, c.retry_wait, running(), mode_};
}

std::optional<std::size_t> JobScheduler::slot_of(const std::string& job_id) const {
  auto it = slot_of_job_.find(job_id);
  if (it == slot_of_job_.end()) return std::nullopt;
  return it->second;
}

std::string JobScheduler::holder_of(std::size_t slot) const {
  return slots_[slot].node + (slots_[slot].exporter ? "/export-" : "/slot-") + std::to_string(slots_[slot].number);
}

std::optional<std::size_t> JobScheduler::lease_slot(const std::string& job_id, std::uint64_t epoch,
                                                    const std::string& holder) const {
  auto i = slot_of(job_id);
  if (!i || slots_[*i].job_id != job_id || slots_[*i].epoch != epoch || holder_of(*i) != holder) return std::nullopt;
  return i;
}

void JobScheduler::free_slot(std::size_t i) {
  progress_.erase(slots_[i].job_id);
  auto& sl = slots_[i];
  if (!sl.job_id.empty()) {
    if (auto it = slot_of_job_.find(sl.job_id); it != slot_of_job_.end() && it->second == i) slot_of_job_.erase(it);
    --busy_slots_;
  }
  sl.job_id.clear();
  sl.source.clear();
  sl.epoch = 0;
  sl.last_report_ms = 0;
  sl.cancel_sent_ms = 0;
  sl.stalled = false;
}

void JobScheduler::assign(std::size_t i, std::string job_id, std::uint64_t epoch, std::int64_t now_ms) {
  if (!slots_[i].job_id.empty()) free_slot(i);
  // A lease lives in one slot: one that held this job before loses it.
  if (auto held = slot_of(job_id); held && *held != i) free_slot(*held);
  auto& sl = slots_[i];
  slot_of_job_[job_id] = i;
  ++busy_slots_;
  sl.job_id = std::move(job_id);
  sl.epoch = epoch;
  sl.last_report_ms = now_ms;
  sl.cancel_sent_ms = 0;
  sl.stalled = false;
}

std::string JobScheduler::source_of(const Job& job) const {
  if (!in_watch(job) || job.sources.empty()) return "";
  const fs::path& first = job.sources.front();
  if (std::distance(first.begin(), first.end()) < 2) return "";  // at the top of the queue
  return first.begin()->string();
}

std::optional<std::size_t> JobScheduler::pick_slot(bool exporter, const std::set<std::string>& skip) const {
  std::optional<std::size_t> best;
  double best_score = -1;
  std::size_t best_busy = 0;
  if (busy_slots_ >= slots_.size()) return best;  // every slot busy (the usual answer under load)
  for (const auto& [name, n] : nodes_.members()) {
    if (!n.up || n.draining || !n.share_problem.empty() || skip.count(n.name)) continue;
    std::optional<std::size_t> free;
    std::size_t busy = 0;
    for (auto i : n.slots) {
      if (i >= slots_.size() || !slots_[i].available || slots_[i].exporter != exporter) continue;
      if (!slots_[i].job_id.empty()) ++busy;
      else if (!free) free = i;
    }
    if (!free) continue;
    // Scratch is what a conversion fills; dividing by the running jobs
    // spreads work over nodes of equal space instead of filling one first.
    const double score = static_cast<double>(n.scratch_free_bytes) / static_cast<double>(1 + busy);
    if (!best || score > best_score || (score == best_score && busy < best_busy)) {
      best = free;
      best_score = score;
      best_busy = busy;
    }
  }
  return best;
}

void JobScheduler::note_stale(const std::string& what, const std::string& job_id, std::uint64_t epoch,
                              const std::string& holder, std::int64_t now_ms, SchedulerEffects& fx) {
  ++stale_results_;
  std::string current = "not running";
  if (auto i = slot_of(job_id)) current = "running as epoch " + std::to_string(slots_[*i].epoch) + " on " + holder_of(*i);
  log_->warn("stale {} for job {} (epoch {}, {}) dropped: the job is {}", what, job_id, epoch,
             holder.empty() ? "no holder" : holder, current);
  msg::job_event e;
  e.kind = "stale_result";
  e.job_id = job_id;
  e.error = what + " of epoch " + std::to_string(epoch) + " dropped";
  e.at_ms = now_ms;
  fx.events.push_back(std::move(e));
}

void JobScheduler::remove_staging_of(const std::string& job_id, std::uint64_t epoch) {
  // Not now: after the commit that makes the lease's release durable
  // (remove_waiting_staging). A coordinator that died in between would
  // otherwise restart with the lease still its holder's, kept for it, while
  // the files it was writing are gone: it would publish what is left.
  staging_waiting_.emplace(job_id, epoch);
}

void JobScheduler::remove_waiting_staging() {
  if (staging_waiting_.empty()) return;
  // Not to be seen from here while the share is not usable (nothing would
  // be found): kept until it is back.
  if (watches_own_share() && !own_share_ok()) return;
  // Read before and after the walk as well: the share may have gone since
  // the last probe, and a walk of an empty mount point finds nothing (the
  // removals would be forgotten).
  auto share_gone = [&] { return watches_own_share() && !share_mismatch(settings_.share_root, settings_.share_id).empty(); };
  if (share_gone()) return;
  auto waiting = std::move(staging_waiting_);
  staging_waiting_.clear();
  try {
    // One walk of the output folder for all of them.
    auto removed = sweep_staging(settings_.output_root, store_->instance_id(), [&](const StagingName& n) {
      return waiting.count({n.job_id, n.epoch}) > 0;
    });
    for (const auto& p : removed) log_->warn("removed the staging folder {} of a stale attempt", p.string());
  } catch (const std::exception& e) {
    log_->error("cannot remove the staging folders of {} stale attempt(s): {}", waiting.size(), e.what());
  }
  if (share_gone()) staging_waiting_.insert(waiting.begin(), waiting.end());  // tried again once it is back
}

void JobScheduler::fence_lost_publish(const Job& job, const std::string& who) {
  const auto f = fence_staging(staging_folder(settings_.output_root, job.output_path, attempt_tag(job)));
  switch (f.result) {
    case StagingFence::Result::fenced: {
      log_->warn("job {}: {} was allowed to publish (epoch {}) but had not: its staging folder is fenced off ({}), "
                 "it can no longer publish",
                 job.id, who, job.epoch, f.path.string());
      // Complete (it was allowed to publish) and out of its holder's reach:
      // nothing writes there any more. Not every path that takes a lease
      // back sweeps staging afterwards (a stalled remote slot waits for its
      // outcome), and this one is known dead now.
      std::error_code ec;
      fs::remove_all(f.path, ec);
      if (ec) log_->error("job {}: cannot remove the fenced staging folder {}: {}", job.id, f.path.string(), ec.message());
      break;
    }
    case StagingFence::Result::absent:
      break;  // it published (looked for next), or its staging is gone
    case StagingFence::Result::failed:
      // The share refuses a rename: the old holder's rename most likely
      // fails the same way. Said loudly, since nothing else stops it.
      log_->error("job {}: cannot fence off the staging folder {} of {} (epoch {}, allowed to publish): {}; "
                  "that holder may still publish it",
                  job.id, f.path.string(), who, job.epoch, f.error);
      break;
  }
}

std::uint64_t JobScheduler::source_bytes(const Job& job) const {
  if (auto it = source_bytes_.find(job.id); it != source_bytes_.end()) return it->second;
  const std::uint64_t bytes = sources_size(in_watch(job) ? settings_.watch_root : fs::path("/"), strings(job.sources));
  // An export's files appear only once it is exported: not kept before.
  if (!job.needs_export()) source_bytes_.emplace(job.id, bytes);
  return bytes;
}

msg::job_event JobScheduler::event_for(const Job& job, const std::string& kind, std::int64_t now_ms) const {
  msg::job_event e;
  e.kind = kind;
  e.job_id = job.id;
  e.filename = primary(job);
  e.file_type = job.file_type;
  e.file_size = source_bytes(job);
  if (kind == "succeeded" || kind == "failed" || kind == "duplicate" || kind == "cancelled")
    source_bytes_.erase(job.id);
  e.attempt = job.attempts;
  e.max_retries = settings_.retry.enabled ? settings_.retry.max_retries : 0;
  if (job.last_error) {
    e.error = job.last_error->reason;
    e.phase = job.last_error->phase;
  }
  if (!job.output_path.empty() && job.state == JobState::Done) e.output_path = job.output_path.generic_string();
  e.next_retry_at_ms = job.state == JobState::RetryWait ? job.next_attempt_at : 0;
  e.at_ms = now_ms;
  if (job.export_source) {
    e.origin = "vsphere://" + job.export_source->vcenter + "/" + job.export_source->vm;
    if (job.needs_export()) e.filename = e.origin;
  }
  return e;
}

std::string JobScheduler::archive_dir_for(const Job& job, std::int64_t now_ms) const {
  if (!settings_.archive_processed || !in_watch(job)) return "";
  return (fs::path(".processed") / date_folder(now_ms)).string();
}

void JobScheduler::migrate_legacy_paths() {
  // Records of version 1 held this host's absolute paths: sources under the
  // watch folder become "watch" ones again, outputs relative to the output
  // folder. Once per store (a marker records it): start-up must not read
  // every job ever run.
  if (store_->paths_migrated()) return;
  for (JobState st : {JobState::Queued, JobState::RetryWait, JobState::Running, JobState::Failed, JobState::Cancelled,
                      JobState::Done}) {
    for (Job job : store_->list(st)) {
      bool changed = false;
      if (job.source_root == kExternalRoot) {
        std::vector<fs::path> rel;
        for (const auto& s : job.sources) {
          auto r = s.lexically_normal().lexically_relative(settings_.watch_root);
          if (r.empty() || *r.begin() == "..") break;
          rel.push_back(r);
        }
        if (rel.size() == job.sources.size()) {
          job.source_root = kWatchRoot;
          job.sources = rel;
          changed = true;
        }
      }
      if (job.output_path.is_absolute()) {
        auto r = job.output_path.lexically_relative(settings_.output_root);
        if (!r.empty() && *r.begin() != "..") {
          job.output_path = r;
          changed = true;
        }
      }
      if (changed) store_->put(job);
    }
  }
  store_->mark_paths_migrated();
}

bool JobScheduler::output_exists(const fs::path& relative) const {
  std::error_code ec;
  return fs::exists(fs::symlink_status(settings_.output_root / relative, ec));
}

std::string JobScheduler::attempt_tag(const Job& job) const {
  return staging_tag(job.id, job.epoch, store_->instance_id());
}

bool JobScheduler::published_by_current_epoch(const Job& job) const {
  return has_published(job, [&](const fs::path& rel) {
    if (!output_exists(rel)) return false;
    // A folder of that name written by someone else (another daemon sharing
    // the output folder, a CLI run) is no evidence. A report without a tag
    // (a version before it) is taken at its folder's word, as before.
    const auto tag = published_staging_tag(settings_.output_root / rel);
    return !tag || *tag == attempt_tag(job);
  });
}

std::vector<msg::archive_request> JobScheduler::archive_requests(const std::vector<std::string>& job_ids) const {
  std::vector<msg::archive_request> requests;
  for (const auto& id : job_ids) {
    auto job = store_->get(id);
    if (!job || job->state != JobState::Done || job->archive_pending.empty()) continue;
    msg::archive_request r;
    r.job_id = id;
    r.sources = strings(job->sources);
    r.archive_dir = job->archive_pending;
    if (job->export_source) r.export_dir = job->export_source->export_dir;
    requests.push_back(std::move(r));
  }
  return requests;
}

void JobScheduler::on_archived(const std::vector<msg::archive_result>& results) {
  std::vector<std::string> archived;
  for (const auto& r : results) {
    if (r.error.empty()) archived.push_back(r.job_id);
    else log_->error("job {}: cannot archive its sources: {} (tried again later; its files stay known meanwhile)",
                     r.job_id, r.error);
  }
  // One write for the whole group, unsynced: a lost mark only repeats the
  // move at the next start, which finds the files already gone.
  for (const auto& job : store_->mark_archived(archived)) active_sources_.erase(primary(job));
}

void JobScheduler::archive_pending_sources(const std::vector<std::string>& job_ids) {
  std::vector<msg::archive_result> results;
  for (const auto& request : archive_requests(job_ids))
    results.push_back(archive_job_sources(settings_.watch_root, request, settings_.faults, *log_, archive_share()));
  on_archived(results);
}

SchedulerEffects JobScheduler::start(std::int64_t now_ms) {
  SchedulerEffects fx;
  migrate_legacy_paths();
  // A job allowed to publish is done only if the folder at its reserved
  // name is its own attempt's (report.json's staging tag), as when a lease
  // is lost: another daemon sharing the output folder or a CLI run may have
  // written one there. Reserved names are unique, so the folder finds its job.
  std::map<fs::path, Job> allowed;
  for (auto& job : store_->list(JobState::Running))
    if (was_allowed_to_publish(job)) allowed.emplace(job.output_path, std::move(job));
  auto exists = [&](const fs::path& rel) {
    const auto it = allowed.find(rel);
    return it != allowed.end() ? published_by_current_epoch(it->second) : output_exists(rel);
  };
  // Cluster: a lease held by another node may still be running there (only
  // this process died): kept for its node to claim when it reconnects.
  auto held_remotely = [&](const Job& j) {
    return settings_.hold_remote_leases_ms > 0 && !j.holder.empty() &&
           parse_holder(j.holder).first != settings_.node;
  };
  RecoveryResult rec =
      store_->recover_after_crash(now_ms, exists, [&](const Job& j) { return archive_dir_for(j, now_ms); },
                                  settings_.max_crash_recoveries, held_remotely);
  store_->sync();
  for (const auto& job : store_->list(JobState::Running)) {
    orphans_[job.id] = OrphanLease{job.epoch, job.holder, now_ms + settings_.hold_remote_leases_ms};
    log_->info("job {} runs on {} (epoch {}): kept for its node to reconnect", job.id, job.holder, job.epoch);
  }
  for (const auto& id : rec.failed) {
    auto job = store_->get(id);
    if (!job || !job->last_error) continue;
    log_->error("job {} was running at {} daemon deaths: failed for good (it may be what brings the daemon down)", id, job->crashes);
    fail_for_good(*job, *job->last_error, {}, {}, now_ms, fx);
  }
  for (const auto& id : rec.requeued)
    log_->warn("job {} was interrupted (daemon stopped or crashed): queued again", id);
  for (const auto& id : rec.completed) {
    auto job = store_->get(id);
    log_->info("job {} had already published {} before the restart: marked done", id,
               job ? job->output_path.string() : std::string("?"));
  }
  // Staging folders of this daemon's attempts: none is running now, but on
  // the nodes of kept leases; a fenced one is dead even then (this process
  // died between the fence and its removal).
  // An older epoch's of a kept lease is dead too (its removal, noted after
  // its lease moved, died with the process before the commit that runs it).
  auto dead = [&](const StagingName& n) {
    auto o = orphans_.find(n.job_id);
    return n.fenced || o == orphans_.end() || o->second.epoch != n.epoch;
  };
  for (const auto& p : sweep_staging(settings_.output_root, store_->instance_id(), dead))
    log_->warn("removed the unfinished output {} (left by an interrupted conversion)", p.string());
  for (auto& [id, source] : store_->watch_sources()) active_sources_[source] = id;
  // Done jobs whose archiving was interrupted: finish it now, exactly once
  // (the watcher must not take their remaining files for a new VM).
  std::vector<std::string> unarchived;
  for (const auto& job : store_->list_archive_pending()) {
    active_sources_[primary(job)] = job.id;
    log_->info("job {}: finishing the archiving of its sources", job.id);
    unarchived.push_back(job.id);
  }
  try {
    archive_pending_sources(unarchived);
  } catch (const std::exception& e) {
    // The marks stay: the files stay known (not taken for a new VM), and the
    // next start tries again; the rest of the start-up goes on.
    log_->error("cannot record the archiving of {} job(s): {}", unarchived.size(), e.what());
  }
  for (const auto& job : store_->list(JobState::Cancelled))
    if (in_watch(job) && !job.sources.empty() && fs::exists(settings_.watch_root / job.sources.front()))
      ignored_sources_.insert(primary(job));
  dispatch(now_ms, fx);
  return fx;
}

void JobScheduler::dispatch(std::int64_t now_ms, SchedulerEffects& fx) {
  if (mode_ != "running") return;
  // per_source: a source at its limit waits; jobs of other sources behind
  // it go first.
  std::map<std::string, int> per_source;
  if (settings_.per_source_limit > 0)
    for (const auto& sl : slots_)
      if (!sl.job_id.empty() && !sl.source.empty()) ++per_source[sl.source];
  auto within_source_limit = [&](const Job& j) {
    if (settings_.per_source_limit <= 0) return true;
    const std::string s = source_of(j);
    return s.empty() || per_source[s] < settings_.per_source_limit;
  };
  for (const bool exporter : {true, false}) {
  // Nodes that found nothing they may take in this round (capabilities).
  std::set<std::string> passed_over;
  while (auto free = pick_slot(exporter, passed_over)) {
    const std::size_t i = *free;
    // Capabilities matter in a cluster only: a single host is the one
    // place a job can run (the converter fails it loudly if it must).
    const NodeInfo* node = cluster_mode() ? nodes_.find(slots_[i].node) : nullptr;
    bool lacked_capability = false;
    auto eligible = [&](const Job& j) {
      if (!within_source_limit(j)) return false;
      if (node && !node_can_convert(*node, j)) {
        lacked_capability = true;
        return false;
      }
      return true;
    };
    std::optional<Job> job;
    if (exporter) job = store_->claim_next_ready(now_ms, holder_of(i), {}, JobQueue::Export);
    else if (settings_.per_source_limit > 0 || node) job = store_->claim_next_ready(now_ms, holder_of(i), eligible);
    else job = store_->claim_next_ready(now_ms, holder_of(i));
    if (!job && lacked_capability) {
      // A job waits for a capability this node lacks: another node may have it.
      passed_over.insert(slots_[i].node);
      continue;
    }
    if (!job) break;
    assign(i, job->id, job->epoch, now_ms);
    if (settings_.per_source_limit > 0) {
      slots_[i].source = source_of(*job);
      if (!slots_[i].source.empty()) ++per_source[slots_[i].source];
    }
    msg::job_assignment a;
    a.job_id = job->id;
    a.epoch = job->epoch;
    a.holder = holder_of(i);
    a.source_root = job->source_root;
    for (const auto& s : job->sources) a.sources.push_back(s.string());
    a.file_type = job->file_type;
    a.attempt = job->attempts;
    a.output_subdir = date_folder(now_ms);
    a.staging_tag = attempt_tag(*job);
    if (job->needs_export())
      a.export_request = export_request_of(*job, slots_[i].node == settings_.node || settings_.remote_links_encrypted);
    a.define_domain = job->export_source && job->export_source->define;
    // Files found in the queue only: an export asked for by name (hyperctl
    // convert --vm) is converted as asked, as on a single host.
    if (settings_.enable_deduplication && settings_.dedup_on_converter && job->dedup_key.empty() && in_watch(*job) &&
        !job->export_source)
      a.dedup_method = to_string(*settings_.dedup_on_converter);
    log_->info("job {} started (attempt {}, epoch {}, {}): {}{}", job->id, job->attempts, job->epoch, a.holder,
               job->needs_export() ? "export of " : "", primary(*job));
    fx.assignments.emplace_back(i, std::move(a));
    fx.events.push_back(event_for(*job, "started", now_ms));
  }
  }
}

const std::vector<std::string>& JobScheduler::needs_of(const Job& job) const {
  static const std::vector<std::string> none;
  if (!in_watch(job) || job.sources.empty()) return none;
  const fs::path primary = settings_.watch_root / job.sources.front();
  auto it = needs_.find(primary.string());
  if (it != needs_.end()) return it->second;
  if (needs_.size() >= 100'000) needs_.clear();  // a bound, not a policy: entries are recomputed
  return needs_.emplace(primary.string(), capabilities_needed(primary)).first->second;
}

bool JobScheduler::node_can_convert(const NodeInfo& node, const Job& job) const {
  // What the job's description says, and what a converter found out (job.needs).
  for (const auto* needs : {&needs_of(job), &job.needs}) {
    for (const auto& need : *needs) {
      if (std::find(node.capabilities.begin(), node.capabilities.end(), need) != node.capabilities.end()) continue;
      if (needs_logged_.insert(job.id).second)
        log_->warn("job {} needs {} (a {} guest), which node {} lacks: it goes only to a node that has it{}", job.id,
                   need, need == kCapabilityVirtioWin ? "Windows" : "", node.name,
                   need == kCapabilityVirtioWin ? " (conversion.virtio_win_dir)" : "");
      return false;
    }
  }
  return true;
}

std::string JobScheduler::export_request_of(const Job& job, bool with_password) const {
  nlohmann::json r = job.export_source ? to_json(*job.export_source) : nlohmann::json::object();
  auto it = export_passwords_.find(job.id);
  if (it != export_passwords_.end() && with_password) r["password"] = it->second;
  else if (it != export_passwords_.end())
    log_->warn("job {}: the submitter's vSphere password is not sent to a remote export node over plain TCP "
               "(no cluster.tls): the node logs in with its own credentials (VSPHERE_PASSWORD or vsphere.credentials_file)",
               job.id);
  return r.dump();
}

void JobScheduler::finish_if_idle(SchedulerEffects& fx) {
  // Leases still awaiting their node (after a restart) are running work too.
  if ((mode_ == "draining" || mode_ == "stopping") && running() == 0 && orphans_.empty() &&
      leases_awaiting_share_.empty())
    fx.finished = true;
}

SchedulerEffects JobScheduler::on_found(const msg::vm_found& vm, std::int64_t now_ms, bool* missing) {
  SchedulerEffects fx;
  if (vm.sources.empty()) return fx;
  const std::string& first = vm.sources.front();
  if (active_sources_.count(first) || ignored_sources_.count(first)) return fx;  // already known
  // A report from a scan made before a job archived these files (or before
  // someone removed them) arrives late: files no longer in the queue are not
  // a VM to convert.
  if (sources_missing(vm.sources)) {
    if (missing) *missing = true;
    else log_->info("{}: no longer in the queue (already archived or removed): not queued", first);
    return fx;
  }
  if (settings_.enable_deduplication && !vm.dedup_key.empty()) {
    if (auto previous = store_->dedup_index().find(vm.dedup_key)) {
      log_->info("{} is a duplicate of job {} (already converted): skipped", first, *previous);
      msg::job_event e;
      e.kind = "duplicate";
      e.filename = first;
      e.file_type = vm.file_type;
      e.file_size = vm.total_bytes;
      e.at_ms = now_ms;
      e.error = "duplicate of job " + *previous;
      if (settings_.archive_processed)
        move_sources(settings_.watch_root, vm.sources, settings_.watch_root / ".processed" / date_folder(now_ms));
      fx.events.push_back(std::move(e));
      return fx;
    }
  }
  NewJob draft;
  draft.source_root = kWatchRoot;
  for (const auto& s : vm.sources) draft.sources.emplace_back(s);
  draft.file_type = vm.file_type;
  draft.priority = job_priority_from_string(vm.priority).value_or(JobPriority::Normal);
  draft.dedup_key = settings_.enable_deduplication ? vm.dedup_key : "";
  Job job = store_->enqueue(std::move(draft), now_ms);
  active_sources_[first] = job.id;
  log_->info("job {} queued: {} ({}, {} file(s), {} bytes)", job.id, first, vm.file_type, vm.sources.size(), vm.total_bytes);
  fx.events.push_back(event_for(job, "queued", now_ms));
  dispatch(now_ms, fx);
  return fx;
}

SchedulerEffects JobScheduler::on_problem(const msg::watch_problem& p, std::int64_t now_ms, bool* missing) {
  SchedulerEffects fx;
  if (!p.permanent) {
    log_->warn("{}", p.reason);
    return fx;
  }
  // Several watchers may report the same file: the first report moves it
  // to .errors/; later ones find it gone and are not reported twice.
  if (sources_missing({p.file})) {
    if (missing) *missing = true;
    else log_->debug("{}: already set aside: problem report ignored", p.file);
    return fx;
  }
  log_->error("rejected {}: {}", p.file, p.reason);
  FailureContext ctx;
  ctx.file = settings_.watch_root / p.file;
  ctx.file_size = p.file_size;
  ctx.error = p.reason;
  ctx.error_kind = p.error_kind;
  ctx.phase = "watch";
  ctx.at_ms = now_ms;
  ctx.output_dir = settings_.output_root;
  std::vector<std::string> files{p.file};
  files.insert(files.end(), p.related.begin(), p.related.end());
  move_sources(settings_.watch_root, files, settings_.watch_root / ".errors");
  publish_error_report(settings_.watch_root / ".errors", fs::path(p.file).filename().string(), build_error_report(ctx));
  msg::job_event e;
  e.kind = "rejected";
  e.filename = p.file;
  e.file_size = p.file_size;
  e.error = p.reason;
  e.phase = "watch";
  e.at_ms = now_ms;
  fx.events.push_back(std::move(e));
  return fx;
}

msg::plan_reply JobScheduler::on_planned(const msg::job_planned& p, std::int64_t now_ms, SchedulerEffects& fx) {
  auto slot = lease_slot(p.job_id, p.epoch, p.holder);
  if (!slot) {
    note_stale("output folder request", p.job_id, p.epoch, p.holder, now_ms, fx);
    return {};
  }
  slots_[*slot].last_report_ms = now_ms;
  try {
    if (!p.dedup_key.empty() && settings_.enable_deduplication) {
      // The converting node hashed the files (cluster mode): a VM already
      // converted is not converted again.
      if (auto previous = store_->dedup_index().find(p.dedup_key); previous && *previous != p.job_id) {
        Job job = store_->note_duplicate(p.job_id, p.dedup_key, *previous);
        log_->info("job {}: {} is a duplicate of job {} (already converted; hashed by {}): not converted", job.id,
                   primary(job), *previous, p.holder);
        return {"", *previous};
      }
    }
    auto exists = [this](const fs::path& rel) { return output_exists(rel); };
    std::string name = p.vm_name;
    // The name becomes a folder: never a path.
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos || name[0] == '.')
      name = p.job_id;
    Job job = store_->reserve_output(p.job_id, p.output_subdir, name, exists,
                                     settings_.enable_deduplication ? p.dedup_key : "");
    return {job.output_path.generic_string(), ""};
  } catch (const std::exception& e) {
    log_->error("job {}: cannot reserve its output folder: {}", p.job_id, e.what());
    return {};
  }
}

bool JobScheduler::on_publish(const msg::publish_request& r, std::int64_t now_ms, SchedulerEffects& fx) {
  auto slot = lease_slot(r.job_id, r.epoch, r.holder);
  if (!slot) {
    note_stale("publish request", r.job_id, r.epoch, r.holder, now_ms, fx);
    return false;
  }
  slots_[*slot].last_report_ms = now_ms;
  try {
    Job job = store_->begin_publish(r.job_id);
    log_->debug("job {}: epoch {} publishes {}", job.id, job.epoch, job.output_path.string());
    return true;
  } catch (const std::exception& e) {
    log_->error("job {}: cannot record its publish: {}", r.job_id, e.what());
    return false;
  }
}

void JobScheduler::on_progress(const msg::job_progress& p, std::int64_t now_ms, SchedulerEffects& fx) {
  auto slot = lease_slot(p.job_id, p.epoch, p.holder);
  if (!slot) {
    note_stale("progress report", p.job_id, p.epoch, p.holder, now_ms, fx);
    return;
  }
  slots_[*slot].last_report_ms = now_ms;
  auto before = progress_.find(p.job_id);
  if (before == progress_.end() || before->second.phase != p.phase)
    journal_.add(p.job_id, now_ms, "phase " + p.phase + (p.phase == "export" || p.message.empty() ? "" : ": " + p.message));
  progress_[p.job_id] = p;
}

void JobScheduler::fail_for_good(Job job, const JobError& error, const std::vector<std::string>& log_tail,
                                 const std::vector<std::string>& details,
                                 std::int64_t now_ms, SchedulerEffects& fx) {
  FailureContext ctx;
  const fs::path root = in_watch(job) ? settings_.watch_root : fs::path("/");
  ctx.file = job.sources.empty() ? root : root / job.sources.front();
  ctx.file_size = sources_size(root, strings(job.sources));
  ctx.error = error.reason;
  ctx.error_kind = to_string(error.kind);
  ctx.phase = error.phase;
  ctx.log_tail = log_tail;
  ctx.details = details;
  ctx.retry_count = std::max(0, job.attempts - 1);
  ctx.max_retries = settings_.retry.enabled ? settings_.retry.max_retries : 0;
  ctx.at_ms = now_ms;
  ctx.output_dir = settings_.output_root;
  ctx.job_id = job.id;
  msg::job_event e = event_for(job, "failed", now_ms);
  const fs::path errors = settings_.watch_root / ".errors";
  store_->sync();  // the failure is durable before the files move
  const std::string name = job.needs_export() && job.export_source ? fs::path(job.export_source->vm).filename().string()
                                                                     : ctx.file.filename().string();
  if (watches_own_share() && !own_share_ok()) {
    // Its share is not there here: the sources would look gone (not moved)
    // and the report would land in an empty mount point. Both wait for the
    // share; its files stay known meanwhile (never taken for a new VM).
    if (in_watch(job)) active_sources_[primary(job)] = job.id;
    failure_files_waiting_.push_back({job.id, build_error_report(ctx), name});
    log_->error("job {} failed for good ({}, phase {}): {}; its sources go to {} with its report once this "
                "coordinator can use its share again ({})",
                job.id, to_string(error.kind), error.phase, error.reason, errors.string(), own_share_problem_);
  } else {
    set_aside_failed(job, build_error_report(ctx), name);
    log_->error("job {} failed for good ({}, phase {}): {}; see {}", job.id, to_string(error.kind), error.phase,
                error.reason, (errors / (name + ".error.json")).string());
  }
  fx.events.push_back(std::move(e));
}

void JobScheduler::set_aside_failed(Job job, const nlohmann::json& report, const std::string& name) {
  const fs::path errors = settings_.watch_root / ".errors";
  if (in_watch(job)) {
    auto moved = move_sources(settings_.watch_root, strings(job.sources), errors);
    if (!moved.empty()) {
      // Remember where the files went, so retry-job finds them.
      job.sources.assign(moved.begin(), moved.end());
      store_->put(job);
    }
  }
  if (job.needs_export()) remove_export_dirs(job.id, 0);  // nothing half-exported stays in the queue
  publish_error_report(errors, name, report);
}

SchedulerEffects JobScheduler::on_outcome(const msg::job_outcome& o, std::int64_t now_ms) {
  SchedulerEffects fx;
  auto slot = lease_slot(o.job_id, o.epoch, o.holder);
  if (!slot) {
    // Late (its job was requeued: the slot was lost or the watchdog fired),
    // duplicate, or from an older epoch: whatever that attempt staged goes;
    // the job's real state is untouched.
    note_stale("outcome '" + o.status + "'" + (o.error.empty() ? std::string() : " (" + o.error + ")"), o.job_id,
               o.epoch, o.holder, now_ms, fx);
    auto job = store_->get(o.job_id);
    if (!job || job->epoch != o.epoch || job->state != JobState::Running) {
      remove_staging_of(o.job_id, o.epoch);
      // An exporter that went on after its lease moved may have (re)written
      // its folder under .exports/ since the job's own clean-ups: every
      // export folder goes but the one the job still needs (the accepted
      // export it converts from, or the running export's). Only for a job
      // of this store: the id names the folders.
      if (job && job->export_source &&
          (o.status == "exported" || o.holder.find("/export-") != std::string::npos)) {
        const auto& src = *job->export_source;
        remove_export_dirs(job->id, src.exported                        ? src.exported_epoch
                                    : job->state == JobState::Running ? job->epoch
                                                                      : 0);
      }
    }
    return fx;
  }
  try {
    fx = handle_outcome(o, *slot, now_ms);
  } catch (const std::exception& e) {
    // The store refused the transition (disk full, damaged database): the
    // job stays running in the store and is recovered at the next start;
    // the slot is freed so the daemon keeps working.
    log_->critical("job {}: cannot record its outcome '{}': {}", o.job_id, o.status, e.what());
    free_slot(*slot);
  }
  finish_if_idle(fx);
  dispatch(now_ms, fx);
  return fx;
}

SchedulerEffects JobScheduler::handle_outcome(msg::job_outcome o, std::size_t slot, std::int64_t now_ms) {
  SchedulerEffects fx;
  const bool stalled = slots_[slot].stalled;
  NodeInfo* holder_node = nodes_.find(slots_[slot].node);
  free_slot(slot);
  auto current = store_->get(o.job_id);
  if (!current) {
    log_->error("outcome for unknown job {}", o.job_id);
    return fx;
  }
  const std::string first = primary(*current);
  if (o.status == "exported" && current->needs_export()) {
    handle_exported(o, *current, holder_node ? holder_node->share_problem : std::string(), now_ms, fx);
    return fx;
  }
  if (o.status == "exported") {
    o.status = "failed";
    o.error_kind = to_string(ErrorKind::Internal);
    o.error = "an export was reported for a job that is not in its export phase";
    log_->error("job {}: {}", o.job_id, o.error);
  }
  if (!o.log_tail.empty() && o.status != "succeeded")
    for (const auto& line : o.log_tail) journal_.add(o.job_id, now_ms, "  | " + line);
  if (o.status == "succeeded" && current->publishing_epoch != current->epoch) {
    // Success without the fenced publish: not ours to trust; handled as a failure.
    o.status = "failed";
    o.error_kind = to_string(ErrorKind::Internal);
    o.error = "the converter reported success without permission to publish (epoch " + std::to_string(o.epoch) + ")";
    log_->error("job {}: {}", o.job_id, o.error);
  }
  if (o.status != "succeeded" && published_by_current_epoch(*current)) {
    // Its folder is in place under the reserved name, yet the attempt says
    // otherwise: a step after the rename failed (the folder's fsync, the
    // report rewritten after a define), or the file server performed a
    // rename it answered as failed (an NFS retransmission). Another run would
    // publish the VM twice, or fail on its own folder: done, once, and the
    // report kept as a warning.
    log_->warn("job {}: {} reported '{}' ({}) after its output {} was published: recorded as done", o.job_id,
               o.holder, o.status, o.error, current->output_path.string());
    o.warnings.push_back("the attempt reported '" + o.status + "' after its output was published: " + o.error);
    o.status = "succeeded";
    o.output_path = current->output_path.generic_string();
  }
  if (o.status == "succeeded") {
    Job job = store_->mark_done(o.job_id, now_ms, archive_dir_for(*current, now_ms));
    if (holder_node) ++holder_node->jobs_done;
    msg::job_event e = event_for(job, "succeeded", now_ms);  // before archiving: it reads the sources' sizes
    // Archived after the group commit made "done" durable (the sources stay
    // in active_sources_ until then: the watcher may report them meanwhile).
    if (!job.archive_pending.empty()) fx.archives.push_back(job.id);
    else active_sources_.erase(first);
    log_->info("job {} succeeded in {:.1f} s on {}: {} -> {}", job.id, o.duration_s, o.holder, first,
               job.output_path.string());
    for (const auto& w : o.warnings) log_->warn("job {}: {}", job.id, w);
    e.duration_s = o.duration_s;
    e.bytes_converted = o.bytes_converted;
    e.error.clear();
    if (job.attempts > 1 && current->last_error) e.previous_error = current->last_error->reason;
    fx.events.push_back(std::move(e));
  } else if (o.status == "duplicate" && !current->duplicate_of.empty()) {
    Job job = store_->mark_duplicate(o.job_id, now_ms, archive_dir_for(*current, now_ms));
    msg::job_event e = event_for(job, "duplicate", now_ms);
    e.error = "duplicate of job " + job.duplicate_of;
    if (!job.archive_pending.empty()) fx.archives.push_back(job.id);
    else active_sources_.erase(first);
    log_->info("job {} done as a duplicate of job {}: {} converted nothing (the VM is in {})", job.id,
               job.duplicate_of, first, job.output_path.string());
    fx.events.push_back(std::move(e));
  } else if (o.status == "duplicate") {
    // The note did not survive (a coordinator restart before it was synced):
    // the next attempt hashes the files again.
    store_->requeue(o.job_id, false);
    log_->warn("job {}: reported as a duplicate, which this coordinator has no record of: queued again", o.job_id);
  } else if (o.status == "failed" && o.error_kind == to_string(ErrorKind::MissingCapability) && !o.needs.empty()) {
    // The node found the guest needs what it lacks (a Windows guest, no
    // virtio-win there): not the job's fault, and another node can do it.
    std::string needs;
    for (const auto& n : o.needs) needs += (needs.empty() ? "" : ", ") + n;
    Job job = store_->requeue_needing(o.job_id, o.needs);
    log_->warn("job {}: {} lacks {} for this guest ({}): queued again for a node that has it (not charged)", job.id,
               o.holder, needs, o.error);
    journal_.add(job.id, now_ms, "handed back by " + o.holder + ": the guest needs " + needs +
                                     "; queued again for a node that has it (not charged)");
  } else if ((o.status == "failed" || (o.status == "cancelled" && stalled)) && holder_node &&
             !holder_node->share_problem.empty()) {
    // Its node cannot use the share (its link read the share after the
    // failure and said so first): the share's fault, not the job's.
    store_->requeue(o.job_id, false);
    // Its staging folder, which the node could not remove without the share.
    remove_staging_of(o.job_id, o.epoch);
    log_->warn("job {}: {} reported '{}' ({}) while its node cannot use the share ({}): queued again for another "
               "node (not charged)",
               o.job_id, o.holder, o.status, o.error, holder_node->share_problem);
    journal_.add(o.job_id, now_ms, "attempt on " + o.holder + " ended (" + o.error + ") while its node could not use "
                                       "the share: queued again (not charged)");
  } else if (o.status == "cancelled" && stalled) {
    JobError err{ErrorKind::Timeout,
                 "no progress report for " + std::to_string(settings_.job_stall_timeout_ms / 1000) +
                     " s (job_stall_timeout): the attempt was cancelled",
                 o.phase.empty() ? "watchdog" : o.phase};
    Job job = record_failure(*store_, settings_.retry, o.job_id, err, now_ms);
    if (job.state == JobState::RetryWait) {
      log_->warn("job {} stalled: {}; retry {} of {} at {}", job.id, err.reason, job.charged_attempts(),
                 settings_.retry.max_retries, iso8601_utc(job.next_attempt_at));
      fx.events.push_back(event_for(job, "retry_scheduled", now_ms));
    } else {
      active_sources_.erase(first);
      fail_for_good(job, err, o.log_tail, o.error_details, now_ms, fx);
    }
  } else if (o.status == "cancelled" && !cancel_requested_.count(o.job_id)) {
    // Nobody asked to cancel this job: it was interrupted (by `stop`, or its
    // slot shutting down). Queued again (not charged); it runs at the next
    // dispatch or start.
    store_->requeue(o.job_id, false);
    log_->info("job {} interrupted{}; it runs again{}", o.job_id, mode_ == "stopping" ? " by stop" : "",
               mode_ == "stopping" ? " at the next start" : "");
  } else if (o.status == "cancelled") {
    cancel_requested_.erase(o.job_id);
    Job job = store_->cancel(o.job_id, now_ms);
    if (job.needs_export()) remove_export_dirs(job.id, 0);
    active_sources_.erase(first);
    ignored_sources_.insert(first);
    log_->info("job {} cancelled", o.job_id);
    fx.events.push_back(event_for(job, "cancelled", now_ms));
  } else {
    JobError err{error_kind_from_string(o.error_kind), o.error, o.phase};
    Job job = record_failure(*store_, settings_.retry, o.job_id, err, now_ms);
    if (job.state == JobState::RetryWait) {
      log_->warn("job {} failed ({}): {}; retry {} of {} at {}", job.id, o.error_kind, o.error, job.charged_attempts(),
                 settings_.retry.max_retries, iso8601_utc(job.next_attempt_at));
      msg::job_event e = event_for(job, "retry_scheduled", now_ms);
      e.duration_s = o.duration_s;
      fx.events.push_back(std::move(e));
    } else {
      active_sources_.erase(first);
      fail_for_good(job, err, o.log_tail, o.error_details, now_ms, fx);
      fx.events.back().duration_s = o.duration_s;
    }
  }
  return fx;
}

SchedulerEffects JobScheduler::on_slot_lost(std::size_t slot, bool charged, const std::string& reason,
                                            std::int64_t now_ms) {
  SchedulerEffects fx;
  if (slot >= slots_.size()) return fx;
  const std::string id = slots_[slot].job_id;
  charged = charged || slots_[slot].stalled;
  free_slot(slot);
  if (id.empty()) log_->error("{} stopped ({}) while idle; replaced", holder_of(slot), reason);
  else release_lease(id, holder_of(slot), charged, reason, now_ms, fx);
  finish_if_idle(fx);
  dispatch(now_ms, fx);
  return fx;
}

void JobScheduler::release_lease(const std::string& id, const std::string& who, bool charged,
                                 const std::string& reason, std::int64_t now_ms, SchedulerEffects& fx) {
  try {
    auto before = store_->get(id);
    if (!before || before->state != JobState::Running) return;
    if (was_allowed_to_publish(*before) && watches_own_share() && !own_share_ok()) {
      // Whether it published, or must be fenced off, is on the share, which
      // this coordinator cannot see now: a look would find "not published,
      // nothing to fence", and the job would run again while its holder may
      // still rename into place. Judged when the share is back; running,
      // in no slot, until then (its holder's later word is stale).
      if (leases_awaiting_share_.emplace(id, LeaseAwaitingShare{who, charged, reason}).second)
        log_->warn("job {}: {} stopped ({}) after it was allowed to publish; whether it did is on the share, which "
                   "this coordinator cannot use now: judged when it is back",
                   id, who, reason);
      return;
    }
    const int budget = settings_.retry.enabled ? settings_.retry.max_retries + 1 : 1;
    // Before looking for its output: a holder cut off or frozen after the
    // permission could otherwise rename its staging into place after the
    // look, while the job runs again elsewhere (published twice).
    if (was_allowed_to_publish(*before)) fence_lost_publish(*before, who);
    if (published_by_current_epoch(*before)) {
      // It had published before its holder was lost (a local slot's worker
      // is joined before the loss is reported; a remote holder's later
      // reports are stale): done, once.
      Job job = store_->mark_done(id, now_ms, archive_dir_for(*before, now_ms));
      log_->warn("{} stopped ({}) after job {} published {}: marked done", who, reason, id, job.output_path.string());
      if (!job.archive_pending.empty()) fx.archives.push_back(job.id);
      else active_sources_.erase(primary(job));
      fx.events.push_back(event_for(job, "succeeded", now_ms));
    } else if (charged && before->charged_attempts() >= budget) {
      // Its own failure, and out of attempts: fail it rather than lose slots forever.
      JobError err{ErrorKind::Internal, who + " stopped while converting it: " + reason, "convert"};
      Job job = store_->mark_failed(id, err, now_ms);
      active_sources_.erase(primary(job));
      fail_for_good(job, err, {}, {}, now_ms, fx);
    } else {
      Job job = store_->requeue(id, charged);
      // A slot of this process is replaced at once (the actor spawns a new one).
      const bool local_slot = parse_holder(who).first == settings_.node;
      log_->error("{} stopped ({}) while running job {}: {}the job is queued again{}", who, reason, id,
                  local_slot ? "replaced; " : "", charged ? " (charged as an attempt)" : " (not charged)");
      msg::job_event e = event_for(job, "slot_lost", now_ms);
      e.error = who + " stopped: " + reason;
      fx.events.push_back(std::move(e));
    }
  } catch (const std::exception& e) {
    log_->critical("job {}: cannot take its lease back from {}: {}", id, who, e.what());
  }
}

namespace {

// "<node>/slot-<n>" -> (node, n); n = 0 when malformed.
std::pair<std::string, std::size_t> parse_holder(const std::string& holder) {
  auto pos = holder.rfind("/slot-");
  std::size_t skip = 6;
  if (pos == std::string::npos) {
    pos = holder.rfind("/export-");
    skip = 8;
  }
  if (pos == std::string::npos) return {holder, 0};
  try {
    return {holder.substr(0, pos), static_cast<std::size_t>(std::stoul(holder.substr(pos + skip)))};
  } catch (const std::exception&) {
    return {holder.substr(0, pos), 0};
  }
}

}  // namespace

JobScheduler::NodeJoin JobScheduler::on_node_hello(const msg::node_hello& h, std::int64_t now_ms) {
  NodeJoin r;
  if (h.node_name.empty() || h.node_name == settings_.node || h.incarnation.empty()) {
    r.welcome.reason = h.node_name.empty() || h.incarnation.empty()
                           ? "a node must send its name and incarnation"
                           : "node name '" + h.node_name + "' is the coordinator's own: give every node a unique cluster.node_name";
    log_->error("node registration refused: {}", r.welcome.reason);
    return r;
  }
  NodeInfo* old = nodes_.find(h.node_name);
  const bool same_process = old && old->up && old->incarnation == h.incarnation;
  std::set<std::pair<std::string, std::uint64_t>> claimed;
  for (const auto& l : h.leases) claimed.emplace(l.job_id, l.epoch);
  std::vector<std::size_t> indices = old ? old->slots : std::vector<std::size_t>{};
  if (old && old->up) {
    // The old registration's leases: kept when the same process claims them
    // again (it reconnected), taken back otherwise (a restarted node starts clean).
    for (auto i : old->slots) {
      if (slots_[i].job_id.empty()) continue;
      if (same_process && claimed.count({slots_[i].job_id, slots_[i].epoch})) continue;
      const std::string id = slots_[i].job_id, who = holder_of(i);
      const std::uint64_t epoch = slots_[i].epoch;
      free_slot(i);
      release_lease(id, who, false,
                    same_process ? "it registered again without this job" : "it restarted (new incarnation)", now_ms,
                    r.fx);
      remove_staging_of(id, epoch);
      ++old->jobs_lost;
    }
  }
  // Slot table entries: converter slots then export slots, each kind
  // numbered 1..; the node's old entries are reused by (kind, number), new
  // ones appended; old ones it no longer has become unavailable.
  const std::size_t wanted = h.slots.size() + h.export_slots.size();
  std::vector<std::size_t> fresh;
  fresh.reserve(wanted);
  for (std::size_t k = 0; k < wanted; ++k) {
    const bool exporter = k >= h.slots.size();
    const std::size_t number = exporter ? k - h.slots.size() + 1 : k + 1;
    auto reuse = std::find_if(indices.begin(), indices.end(), [&](std::size_t i) {
      return slots_[i].exporter == exporter && slots_[i].number == number;
    });
    if (reuse != indices.end()) {
      fresh.push_back(*reuse);
      indices.erase(reuse);
      slots_[fresh.back()].available = true;
      continue;
    }
    Slot s;
    s.node = h.node_name;
    s.number = number;
    s.exporter = exporter;
    fresh.push_back(slots_.size());
    slots_.push_back(s);
  }
  for (auto i : indices) {  // slots the node no longer has
    slots_[i].available = false;
    if (slots_[i].job_id.empty()) continue;
    const std::string id = slots_[i].job_id, who = holder_of(i);
    free_slot(i);
    release_lease(id, who, false, "it came back with fewer slots", now_ms, r.fx);
  }
  indices = std::move(fresh);
  auto slot_held_by = [&](const std::string& holder) -> std::optional<std::size_t> {
    for (auto i : indices)
      if (holder_of(i) == holder) return i;
    return std::nullopt;
  };
  // Leases it claims: still its own (same process, kept above), or kept for
  // it since a coordinator restart (orphans); any other is revoked.
  for (const auto& l : h.leases) {
    const auto held = slot_held_by(l.holder);
    if (held && slots_[*held].job_id == l.job_id && slots_[*held].epoch == l.epoch) continue;
    auto o = orphans_.find(l.job_id);
    auto stored = o == orphans_.end() ? std::nullopt : store_->get(l.job_id);
    if (held && o != orphans_.end() && o->second.epoch == l.epoch && o->second.holder == l.holder && stored &&
        stored->state == JobState::Running && stored->epoch == l.epoch && slots_[*held].job_id.empty()) {
      assign(*held, l.job_id, l.epoch, now_ms);
      slots_[*held].source = source_of(*stored);
      orphans_.erase(o);
      log_->info("job {}: {} still runs it (epoch {}): lease kept across the coordinator restart", l.job_id, l.holder,
                 l.epoch);
      continue;
    }
    r.welcome.revoked.push_back(l.job_id);
    log_->warn("job {}: {} claims epoch {}, which is no longer its lease: revoked", l.job_id, l.holder, l.epoch);
  }
  // Leases kept for this node since a restart that it did not claim: it no
  // longer runs them (finished and reported, or lost with a restart).
  for (auto it = orphans_.begin(); it != orphans_.end();) {
    if (parse_holder(it->second.holder).first != h.node_name) {
      ++it;
      continue;
    }
    const std::string id = it->first;
    const OrphanLease o = it->second;
    it = orphans_.erase(it);
    release_lease(id, o.holder, false, "its node reconnected without it", now_ms, r.fx);
    remove_staging_of(id, o.epoch);
  }
  NodeInfo info;
  info.name = h.node_name;
  info.incarnation = h.incarnation;
  info.roles = h.roles;
  info.host = h.host;
  info.accel = h.accel;
  info.capabilities = h.capabilities;
  info.slots = indices;
  info.scratch_free_bytes = h.scratch_free_bytes;
  info.joined_ms = now_ms;
  info.last_seen_ms = now_ms;
  note_share(nodes_.join(std::move(info)), h.share, now_ms);
  log_->info("node {} joined ({} at {}, {} slot(s){}{}{})", h.node_name, h.incarnation, h.host.empty() ? "?" : h.host,
             h.slots.size(), h.export_slots.empty() ? "" : ", " + std::to_string(h.export_slots.size()) + " export slot(s)",
             h.accel.empty() ? "" : ", " + h.accel,
             h.leases.empty() ? "" : ", " + std::to_string(h.leases.size()) + " lease(s) claimed");
  r.welcome.accepted = true;
  r.slot_indices = indices;
  dispatch(now_ms, r.fx);
  return r;
}

void JobScheduler::on_node_disconnected(const std::string& node, const std::string& reason, std::int64_t now_ms) {
  NodeInfo* n = nodes_.find(node);
  if (!n || !n->up || n->local) return;
  for (auto i : n->slots) slots_[i].available = false;
  n->down_reason = "disconnected: " + reason;
  log_->warn("node {}: connection lost ({}); its {} job(s) stay its own if it reconnects within node_timeout ({} ms)",
             node, reason, std::count_if(n->slots.begin(), n->slots.end(), [&](std::size_t i) { return !slots_[i].job_id.empty(); }),
             settings_.node_timeout_ms);
  (void)now_ms;
}

bool JobScheduler::on_node_status(const msg::node_status& s, std::int64_t now_ms) {
  if (!nodes_.heard_from(s.node_name, s.incarnation, s.scratch_free_bytes, s.busy_slots, now_ms)) return false;
  if (NodeInfo* n = nodes_.find(s.node_name)) note_share(*n, s.share, now_ms);
  return true;
}

ArchiveShare JobScheduler::archive_share() const {
  return watches_own_share() ? ArchiveShare{settings_.share_root, settings_.share_id} : ArchiveShare{};
}

bool JobScheduler::watches_own_share() const {
  return cluster_mode() && !settings_.share_id.empty() && !settings_.share_root.empty();
}

bool JobScheduler::checks_own_share() const {
  return watches_own_share() && settings_.slots + settings_.export_slots > 0;
}

bool JobScheduler::sources_missing(const std::vector<std::string>& sources) const {
  for (const auto& s : sources) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(settings_.watch_root / s, ec))) return true;
  }
  return false;
}

SchedulerEffects JobScheduler::on_own_share(const msg::share_view& seen, std::int64_t now_ms) {
  SchedulerEffects fx;
  if (!watches_own_share()) return fx;
  const std::string problem = share_problem_of(seen);
  if (problem != own_share_problem_) {
    if (problem.empty()) {
      log_->info("this coordinator can use its share at {} again: archiving, failed jobs' files and new VMs go on",
                 settings_.share_root.string());
    } else {
      log_->error("this coordinator cannot use its share: {}: done jobs' sources stay in the queue, failed jobs' "
                  "files and reports and VMs found meanwhile wait until it is back",
                  problem);
    }
    own_share_problem_ = problem;
    if (own_share_ok() && !leases_awaiting_share_.empty()) {
      auto parked = std::move(leases_awaiting_share_);
      leases_awaiting_share_.clear();
      for (const auto& [id, l] : parked) release_lease(id, l.holder, l.charged, l.reason, now_ms, fx);
      finish_if_idle(fx);
      dispatch(now_ms, fx);
    }
    if (own_share_ok()) {
      // Failed jobs whose files waited: set aside now, unless someone
      // queued the job again meanwhile (retry-job).
      auto waiting = std::move(failure_files_waiting_);
      failure_files_waiting_.clear();
      for (auto& w : waiting) {
        auto job = store_->get(w.job_id);
        if (!job || job->state != JobState::Failed) continue;
        if (in_watch(*job)) active_sources_.erase(primary(*job));
        try {
          set_aside_failed(*job, w.report, w.name);
          log_->info("job {}: its sources set aside and its error report written now that the share is back", job->id);
        } catch (const std::exception& e) {
          log_->error("job {}: cannot set its files aside: {}", job->id, e.what());
        }
      }
    }
  }
  if (!checks_own_share()) return fx;
  NodeInfo* self = nodes_.find(settings_.node);
  if (!self) return fx;
  const bool was_ok = self->share_problem.empty();
  note_share(*self, seen, now_ms);
  // Back: its free slots take jobs again now, not at the next tick.
  if (!was_ok && self->share_problem.empty()) dispatch(now_ms, fx);
  return fx;
}

bool JobScheduler::is_own_holder(const std::string& holder) const { return parse_holder(holder).first == settings_.node; }

std::string JobScheduler::share_problem_of(const msg::share_view& seen) const {
  if (settings_.share_id.empty()) return "";
  if (!seen.problem.empty()) return seen.problem;
  if (seen.id != settings_.share_id)
    return "its cluster.share_root holds share id '" + seen.id + "', the coordinator's '" + settings_.share_id +
           "': they do not see the same share (one of them has it unmounted, or mounts another export)";
  return "";
}

void JobScheduler::note_share(NodeInfo& n, const msg::share_view& seen, std::int64_t now_ms) {
  std::string problem = share_problem_of(seen);
  if (problem == n.share_problem) return;
  if (problem.empty()) {
    log_->info("node {} can use the share again: it takes jobs again", n.name);
  } else {
    const auto running = std::count_if(n.slots.begin(), n.slots.end(),
                                       [&](std::size_t i) { return !slots_[i].job_id.empty(); });
    log_->error("node {} cannot use the share: {}: it gets no new job{}", n.name, problem,
                running == 0 ? std::string()
                             : "; its " + std::to_string(running) + " running job(s) move elsewhere if this lasts " +
                                   std::to_string(settings_.node_timeout_ms) + " ms (node_timeout)");
  }
  if (problem.empty() != n.share_problem.empty()) n.share_problem_since_ms = now_ms;
  n.share_problem = std::move(problem);
}

void JobScheduler::move_jobs_off_shareless_nodes(std::int64_t now_ms, SchedulerEffects& fx) {
  if (settings_.node_timeout_ms <= 0) return;
  for (const auto& [name, info] : nodes_.members()) {
    if (!info.up || info.share_problem.empty() || now_ms - info.share_problem_since_ms <= settings_.node_timeout_ms)
      continue;
    NodeInfo& n = *nodes_.find(name);
    // Cancelled there (if the node hears it: a hung mount may keep the
    // attempt stuck); whatever it reports later is stale.
    take_back_jobs(n, "its node cannot use the share: " + n.share_problem, true, now_ms, fx);
  }
}

std::size_t JobScheduler::take_back_jobs(NodeInfo& n, const std::string& reason, bool cancel, std::int64_t now_ms,
                                         SchedulerEffects& fx) {
  std::size_t moved = 0;
  for (auto i : n.slots) {
    if (slots_[i].job_id.empty()) continue;
    const std::string id = slots_[i].job_id, who = holder_of(i);
    const std::uint64_t epoch = slots_[i].epoch;
    if (cancel) fx.cancels.emplace_back(i, id);
    free_slot(i);
    release_lease(id, who, false, reason, now_ms, fx);
    // What the attempt staged on the share goes (it can never publish: its
    // epoch is refused); a node that comes back finds it gone.
    remove_staging_of(id, epoch);
    ++moved;
  }
  n.jobs_lost += moved;
  return moved;
}

SchedulerEffects JobScheduler::on_node_lost(const std::string& node, const std::string& reason,
                                            std::int64_t now_ms) {
  SchedulerEffects fx;
  lose_node(node, reason, now_ms, fx);
  finish_if_idle(fx);
  dispatch(now_ms, fx);
  return fx;
}

void JobScheduler::lose_node(const std::string& node, const std::string& reason, std::int64_t now_ms,
                             SchedulerEffects& fx) {
  NodeInfo* n = nodes_.find(node);
  if (!n || !n->up || n->local) return;
  const std::size_t moved = take_back_jobs(*n, "node " + node + " lost: " + reason, false, now_ms, fx);
  for (auto i : n->slots) slots_[i].available = false;
  nodes_.mark_down(node, reason);
  log_->error("node {} lost ({}): {} job(s) get a new lease elsewhere", node, reason, moved);
  msg::job_event e;
  e.kind = "node_lost";
  e.error = "node " + node + " lost: " + reason;
  e.at_ms = now_ms;
  fx.events.push_back(std::move(e));
}

JobScheduler::SlotUse JobScheduler::slot_use(const NodeInfo& n) const {
  SlotUse use;
  for (auto i : n.slots) {
    if (i >= slots_.size() || !slots_[i].available) continue;
    ++use.total;
    if (!slots_[i].job_id.empty()) use.running.push_back(slots_[i].job_id);
  }
  return use;
}

msg::cluster_state JobScheduler::cluster_state(std::int64_t now_ms) const {
  msg::cluster_state out;
  for (const auto& [name, n] : nodes_.members()) {
    msg::node_summary s;
    s.name = n.name;
    s.roles = n.roles;
    s.up = n.up;
    s.draining = n.draining;
    const SlotUse use = slot_use(n);
    s.slots_total = static_cast<std::uint32_t>(use.total);
    s.slots_busy = static_cast<std::uint32_t>(use.running.size());
    s.jobs_done = n.jobs_done;
    s.jobs_lost = n.jobs_lost;
    s.heartbeat_age_ms = n.local ? 0 : now_ms - n.last_seen_ms;
    s.accel = n.accel;
    s.share_problem = n.share_problem;
    out.nodes.push_back(std::move(s));
  }
  return out;
}

nlohmann::json JobScheduler::node_views(std::int64_t now_ms) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, n] : nodes_.members()) {
    const SlotUse use = slot_use(n);
    // A node's slots are all unavailable only while its connection is down.
    const bool connected = use.total > 0 || n.slots.empty();
    std::string health = !n.up                        ? "down"
                         : !connected                  ? "disconnected"
                         : !n.share_problem.empty()    ? "no-share"
                         : n.draining                  ? "draining"
                                                       : "up";
    out.push_back({{"name", n.name},
                   {"roles", n.roles},
                   {"host", n.local ? std::string("(coordinator)") : n.host},
                   {"incarnation", n.incarnation},
                   {"slots_total", use.total},
                   {"slots_busy", use.running.size()},
                   {"running_jobs", use.running},
                   {"jobs_done", n.jobs_done},
                   {"jobs_lost", n.jobs_lost},
                   {"scratch_free_bytes", n.scratch_free_bytes},
                   {"accel", n.accel},
                   {"capabilities", n.capabilities},
                   {"health", health},
                   {"down_reason", n.down_reason},
                   {"share_problem", n.share_problem},
                   {"last_heartbeat_age_s", n.local ? 0.0 : static_cast<double>(now_ms - n.last_seen_ms) / 1000.0}});
  }
  return out;
}

void JobScheduler::on_coordinator_pause(std::int64_t paused_ms, std::int64_t now_ms) {
  if (paused_ms <= 0) return;
  if (cluster_mode() && paused_ms >= 1000)
    log_->warn("this coordinator did not run for {} ms (stopped, starved of CPU, or its clock stepped forward): "
               "that time is not counted against its nodes' heartbeats",
               paused_ms);
  nodes_.excuse_silence(paused_ms, now_ms);
  for (auto& sl : slots_)
    if (!sl.job_id.empty()) sl.last_report_ms = std::min(now_ms, sl.last_report_ms + paused_ms);
  for (auto& [id, o] : orphans_) o.deadline_ms += paused_ms;
}

std::optional<std::int64_t> JobScheduler::next_silence_check_ms() const {
  if (settings_.node_timeout_ms <= 0) return std::nullopt;
  return nodes_.first_silence_at(settings_.node_timeout_ms);
}

bool JobScheduler::lose_silent_nodes(std::int64_t now_ms, SchedulerEffects& fx) {
  if (settings_.node_timeout_ms <= 0) return false;
  const auto silent = nodes_.silent_since(now_ms, settings_.node_timeout_ms);
  for (const auto& node : silent)
    lose_node(node, "no heartbeat for more than " + std::to_string(settings_.node_timeout_ms) + " ms (node_timeout)",
              now_ms, fx);
  return !silent.empty();
}

SchedulerEffects JobScheduler::on_silence_check(std::int64_t now_ms) {
  SchedulerEffects fx;
  // As on_tick: every silent node is down before its jobs are leased again.
  if (lose_silent_nodes(now_ms, fx)) {
    dispatch(now_ms, fx);
    finish_if_idle(fx);
  }
  return fx;
}

SchedulerEffects JobScheduler::on_tick(std::int64_t now_ms) {
  SchedulerEffects fx;
  // Silent nodes: all of this tick's are down before any job is leased
  // again (dispatch at the end), so none goes to a node lost in the same tick.
  lose_silent_nodes(now_ms, fx);
  move_jobs_off_shareless_nodes(now_ms, fx);
  // Leases kept across a coordinator restart whose node did not come back.
  for (auto it = orphans_.begin(); it != orphans_.end();) {
    if (now_ms < it->second.deadline_ms) {
      ++it;
      continue;
    }
    const std::string id = it->first;
    const OrphanLease o = it->second;
    it = orphans_.erase(it);
    release_lease(id, o.holder, false, "did not reconnect after the coordinator restart", now_ms, fx);
    remove_staging_of(id, o.epoch);
  }
  // Watchdog: a lease with no report for job_stall_timeout is cancelled (its
  // subprocesses killed by the engine's cancel token); a slot that does not
  // even answer the cancel is killed and replaced.
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    auto& sl = slots_[i];
    if (sl.job_id.empty()) continue;
    if (sl.stalled) {
      if (now_ms - sl.cancel_sent_ms >= settings_.stall_kill_grace_ms && !slot_is_local(i)) {
        // A remote slot is not killed from here: its lease is taken back
        // (charged: the job stalled) and whatever the attempt sends later is stale.
        log_->error("job {}: {} did not answer the cancel within {} s: its lease is taken back", sl.job_id,
                    holder_of(i), settings_.stall_kill_grace_ms / 1000);
        const std::string id = sl.job_id, who = holder_of(i);
        free_slot(i);
        release_lease(id, who, true, "stalled", now_ms, fx);
      } else if (now_ms - sl.cancel_sent_ms >= settings_.stall_kill_grace_ms) {
        log_->error("job {}: {} did not answer the cancel within {} s: killing the slot", sl.job_id, holder_of(i),
                    settings_.stall_kill_grace_ms / 1000);
        fx.kill_slots.push_back(i);
        sl.cancel_sent_ms = now_ms;  // once per grace period
      }
      continue;
    }
    if (now_ms - sl.last_report_ms < settings_.job_stall_timeout_ms) continue;
    sl.stalled = true;
    sl.cancel_sent_ms = now_ms;
    fx.cancels.emplace_back(i, sl.job_id);
    log_->error("job {} stalled: no progress report for {} s (job_stall_timeout): cancelling the attempt", sl.job_id,
                (now_ms - sl.last_report_ms) / 1000);
    if (auto job = store_->get(sl.job_id)) {
      msg::job_event e = event_for(*job, "stalled", now_ms);
      e.error = "no progress report for " + std::to_string((now_ms - sl.last_report_ms) / 1000) + " s";
      fx.events.push_back(std::move(e));
    }
  }
  dispatch(now_ms, fx);
  finish_if_idle(fx);
  return fx;
}

std::vector<Job> JobScheduler::queued_in_order() const {
  auto queued = store_->list(JobState::Queued);
  std::stable_sort(queued.begin(), queued.end(), [](const Job& a, const Job& b) { return a.priority > b.priority; });
  return queued;
}

std::optional<std::size_t> JobScheduler::queue_position(const Job& job) const {
  if (job.state != JobState::Queued) return std::nullopt;
  // Its place among the jobs waiting for the same kind of slot.
  std::size_t place = 0;
  for (const auto& q : queued_in_order()) {
    if (q.needs_export() != job.needs_export()) continue;
    ++place;
    if (q.id == job.id) return place;
  }
  return std::nullopt;
}

nlohmann::json JobScheduler::view(const Job& job) const { return view(job, queue_position(job)); }

nlohmann::json JobScheduler::view(const Job& job, std::optional<std::size_t> position) const {
  auto it = progress_.find(job.id);
  nlohmann::json v = job_view(job, it == progress_.end() ? nullptr : &it->second, position);
  if (job.export_source)
    v["vsphere"] = {{"vcenter", job.export_source->vcenter},
                    {"vm", job.export_source->vm},
                    {"datacenter", job.export_source->datacenter},
                    {"exported", job.export_source->exported}};
  else
    v["vsphere"] = nullptr;
  v["output_dir"] = job.output_path.empty() ? nlohmann::json() : nlohmann::json((settings_.output_root / job.output_path).string());
  // What a job needs of its converter node (a cluster places it by that):
  // what its description says while it waits, and what a converter found.
  if (cluster_mode() && (job.state == JobState::Queued || job.state == JobState::RetryWait || !job.needs.empty())) {
    std::vector<std::string> needs = needs_of(job);
    for (const auto& n : job.needs)
      if (std::find(needs.begin(), needs.end(), n) == needs.end()) needs.push_back(n);
    v["needs"] = needs;
  }
  return v;
}

msg::control_reply JobScheduler::list_jobs(const nlohmann::json& args) const {
  std::vector<JobState> states;
  if (args.contains("state")) {
    auto s = job_state_from_string(args["state"].get<std::string>());
    if (!s) return error("list-jobs: unknown state '" + args["state"].get<std::string>() + "'");
    states.push_back(*s);
  } else {
    states = {JobState::Running, JobState::Queued, JobState::RetryWait, JobState::Failed, JobState::Cancelled, JobState::Done};
  }
  std::size_t limit = args.contains("limit") ? args["limit"].get<std::size_t>() : 1000;
  nlohmann::json jobs = nlohmann::json::array();
  for (JobState s : states) {
    // Queued jobs come in queue order, so their position is their index
    // (one listing, not one per job); finished ones newest first.
    auto list = s == JobState::Queued ? queued_in_order() : store_->list(s);
    if (s == JobState::Done || s == JobState::Failed || s == JobState::Cancelled) std::reverse(list.begin(), list.end());
    for (std::size_t i = 0; i < list.size() && jobs.size() < limit; ++i)
      jobs.push_back(view(list[i], s == JobState::Queued ? std::optional<std::size_t>(i + 1) : std::nullopt));
  }
  return ok({{"jobs", jobs}});
}

msg::control_reply JobScheduler::queue_job(const nlohmann::json& args, std::int64_t now_ms, SchedulerEffects& fx) {
  fs::path path = args.at("path").get<std::string>();
  if (!path.is_absolute()) return error("queue-job: path must be absolute: " + path.string());
  if (!fs::is_regular_file(path)) return error("queue-job: " + path.string() + ": no such file");
  if (args.contains("options") && args["options"].contains("name"))
    return error("queue-job: options.name is not supported by this daemon version");
  NewJob draft;
  fs::path rel = path.lexically_normal().lexically_relative(settings_.watch_root);
  if (!rel.empty() && *rel.begin() != ".." && *rel.begin()->string().begin() != '.') {
    draft.source_root = kWatchRoot;     // inside the queue: archived like dropped files
    draft.sources = {rel};
  } else {
    draft.source_root = kExternalRoot;  // elsewhere: the operator's file, never moved
    draft.sources = {path.lexically_normal()};
  }
  const std::string first = draft.sources.front().string();
  if (draft.source_root == kWatchRoot && active_sources_.count(first))
    return error("queue-job: " + path.string() + " is already job " + active_sources_[first], kErrorConflict);
  draft.file_type = file_type_of(path);
  if (args.contains("priority")) {
    auto p = job_priority_from_string(args["priority"].get<std::string>());
    if (!p) return error("queue-job: unknown priority '" + args["priority"].get<std::string>() + "'");
    draft.priority = *p;
  }
  Job job = store_->enqueue(std::move(draft), now_ms);
  if (in_watch(job)) active_sources_[first] = job.id;
  log_->info("job {} queued by the operator: {}", job.id, path.string());
  fx.events.push_back(event_for(job, "queued", now_ms));
  dispatch(now_ms, fx);
  auto stored = store_->get(job.id);
  return ok({{"job", view(stored ? *stored : job)}});
}

msg::control_reply JobScheduler::on_control(const msg::control_command& c, std::int64_t now_ms, SchedulerEffects& fx) {
  nlohmann::json args = nlohmann::json::parse(c.args_json.empty() ? "{}" : c.args_json, nullptr, false);
  if (args.is_discarded() || !args.is_object()) return error(c.command + ": arguments are not a JSON object");
  try {
    const std::string& cmd = c.command;
    if (cmd == "status") {
      auto q = queue_state();
      return ok({{"status", mode_}, {"pid", ::getpid()}, {"uptime_s", (now_ms - settings_.started_at_ms) / 1000},
                 {"queued", q.queued}, {"running", q.running}, {"retry_wait", q.retry_wait},
                 {"version", settings_.version}, {"max_concurrent_jobs", std::count_if(slots_.begin(), slots_.end(), [](const Slot& sl) { return sl.available && !sl.exporter; })},
                 {"max_concurrent_exports", std::count_if(slots_.begin(), slots_.end(), [](const Slot& sl) { return sl.available && sl.exporter; })},
                 {"slots_alive", slots_alive_}, {"stale_results", stale_results_},
                 {"cluster", settings_.node_timeout_ms > 0}, {"nodes_up", nodes_.up_count()},
                 {"nodes_total", nodes_.members().size()}, {"leases_awaiting_nodes", orphans_.size()},
                 {"share_problem", own_share_problem_}, {"failures_awaiting_share", failure_files_waiting_.size()},
                 {"leases_awaiting_share", leases_awaiting_share_.size()}});
    }
    if (cmd == "nodes") return ok({{"nodes", node_views(now_ms)}});
    if (cmd == "drain-node" || cmd == "undrain-node") {
      const std::string name = args.value("node", std::string());
      NodeInfo* n = nodes_.find(name);
      if (!n) return error(cmd + ": no node '" + name + "' (hyperctl nodes lists them)", kErrorNotFound);
      n->draining = cmd == "drain-node";
      log_->info("node {}: {}", name, n->draining ? "draining (finishes its jobs, gets no new ones)" : "takes new jobs again");
      if (!n->draining) dispatch(now_ms, fx);
      return ok({{"node", name}, {"draining", n->draining}});
    }
    if (cmd == "pause") {
      if (mode_ == "running") mode_ = "paused";
      log_->info("paused: running jobs finish, nothing new starts");
      return ok({{"status", mode_}});
    }
    if (cmd == "resume") {
      if (mode_ == "paused") mode_ = "running";
      log_->info("resumed");
      dispatch(now_ms, fx);
      return ok({{"status", mode_}});
    }
    if (cmd == "drain") {
      if (mode_ != "stopping") mode_ = "draining";
      log_->info("draining: {} running job(s) finish, then the daemon exits", running());
      finish_if_idle(fx);
      return ok({{"status", mode_}, {"running", running()}});
    }
    if (cmd == "stop") {
      mode_ = "stopping";
      log_->info("stopping: cancelling {} running job(s); they run again at the next start", running());
      for (std::size_t i = 0; i < slots_.size(); ++i)
        if (!slots_[i].job_id.empty()) fx.cancels.emplace_back(i, slots_[i].job_id);
      finish_if_idle(fx);
      return ok({{"status", mode_}, {"running", running()}});
    }
    if (cmd == "queue-job") return queue_job(args, now_ms, fx);
    if (cmd == "convert-vm") return convert_vm(args, now_ms, fx);
    if (cmd == "list-jobs") return list_jobs(args);
    // The rest name one job ("id" is accepted for "job_id").
    if (!args.contains("job_id") && args.contains("id")) args["job_id"] = args["id"];
    if (!args.contains("job_id") || !args["job_id"].is_string()) return error(cmd + ": job_id (a string) is required");
    const std::string id = args["job_id"].get<std::string>();
    auto job = store_->get(id);
    if (!job) return error(cmd + ": no job " + id, kErrorNotFound);
    if (cmd == "job-status") {
      auto v = view(*job);
      v["domain_xml"] = nullptr;
      if (job->state == JobState::Done && !job->output_path.empty()) {
        // The libvirt domain the conversion wrote (one .xml in its folder).
        std::error_code ec;
        for (fs::directory_iterator it(settings_.output_root / job->output_path, ec), end; !ec && it != end;
             it.increment(ec))
          if (it->path().extension() == ".xml") {
            v["domain_xml"] = it->path().string();
            break;
          }
      }
      return ok({{"job", v}});
    }
    if (cmd == "job-log") return job_log(id, args);
    if (cmd == "cancel-job") {
      if (is_final(job->state)) return error("cancel-job: job " + id + " is already " + to_string(job->state), kErrorConflict);
      if (auto slot = slot_of(id)) {
        fx.cancels.emplace_back(*slot, id);
        cancel_requested_.insert(id);  // stays cancelled even if `stop` comes before the converter answers
        log_->info("job {}: cancelling the running conversion", id);
        auto v = view(*job);
        v["cancelling"] = true;
        return ok({{"job", v}});
      }
      Job cancelled = store_->cancel(id, now_ms);
      if (cancelled.needs_export()) remove_export_dirs(id, 0);
      // A lease awaiting its node: when the node claims it, it is revoked.
      orphans_.erase(id);
      active_sources_.erase(primary(cancelled));
      ignored_sources_.insert(primary(cancelled));
      fx.events.push_back(event_for(cancelled, "cancelled", now_ms));
      log_->info("job {} cancelled", id);
      return ok({{"job", view(cancelled)}});
    }
    if (cmd == "set-priority") {
      auto p = job_priority_from_string(args.value("priority", std::string()));
      if (!p) return error("set-priority: priority must be low, normal or high");
      if (job->state != JobState::Queued && job->state != JobState::RetryWait)
        return error("set-priority: job " + id + " is " + to_string(job->state) + ", not waiting", kErrorConflict);
      job->priority = *p;
      store_->put(*job);
      log_->info("job {}: priority {}", id, to_string(*p));
      return ok({{"job", view(*store_->get(id))}});
    }
    if (cmd == "retry-job") {
      if (job->state != JobState::Failed && job->state != JobState::Cancelled)
        return error("retry-job: job " + id + " is " + to_string(job->state) + "; only failed or cancelled jobs are retried",
                     kErrorConflict);
      if (!job->needs_export())  // an export phase starts again from vCenter
        for (const auto& s : job->source_paths(settings_.watch_root))
          if (!fs::exists(s)) return error("retry-job: source " + s.string() + " no longer exists");
      job->state = JobState::Queued;
      job->attempts = 0;
      job->interrupted = 0;
      job->crashes = 0;
      job->next_attempt_at = 0;
      job->finished_at = 0;
      store_->put(*job);
      active_sources_[primary(*job)] = id;
      ignored_sources_.erase(primary(*job));
      log_->info("job {} queued again by the operator", id);
      fx.events.push_back(event_for(*job, "queued", now_ms));
      dispatch(now_ms, fx);
      return ok({{"job", view(*store_->get(id))}});
    }
    return error("unknown command '" + cmd + "'");
  } catch (const std::exception& e) {
    return daemon_error(c.command + ": " + e.what());
  }
}

}  // namespace h2k

namespace h2k {

void JobScheduler::journal_events(const std::vector<msg::job_event>& events) {
  for (const auto& e : events) {
    if (e.job_id.empty()) continue;
    std::string line = e.kind;
    if (e.kind == "queued") line += ": " + e.filename;
    else if (e.kind == "started") line += " (attempt " + std::to_string(e.attempt) + ")";
    else if (e.kind == "succeeded") line += ": " + e.output_path;
    if (!e.error.empty() && e.kind != "succeeded") line += ": " + e.error;
    if (e.kind == "retry_scheduled") line += " (next attempt at " + iso8601_utc(e.next_retry_at_ms) + ")";
    journal_.add(e.job_id, e.at_ms, line);
  }
}

msg::control_reply JobScheduler::job_log(const std::string& id, const nlohmann::json& args) const {
  const auto since = args.value("since", std::uint64_t{0});
  auto page = journal_.since(id, since);
  auto job = store_->get(id);
  nlohmann::json lines = nlohmann::json::array();
  if (page.dropped > 0) lines.push_back("... " + std::to_string(page.dropped) + " earlier line(s) no longer kept");
  for (auto& l : page.lines) lines.push_back(std::move(l));
  if (!journal_.knows(id) && since == 0 && job)
    lines.push_back("(no journal for this job in this daemon's memory: it ran before the daemon's last start; "
                    "its state is " + std::string(to_string(job->state)) + ")");
  return ok({{"lines", lines}, {"next", page.next}, {"final", job && is_final(job->state)},
             {"state", job ? to_string(job->state) : "unknown"}});
}

msg::control_reply JobScheduler::convert_vm(const nlohmann::json& args, std::int64_t now_ms, SchedulerEffects& fx) {
  auto text = [&](const char* key) {
    auto it = args.find(key);
    return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (text("vm").empty()) return error("convert-vm: vm (the VM's name or inventory path) is required");
  if (text("vcenter").empty()) return error("convert-vm: vcenter (HOST[:PORT]) is required");
  // The request's keys are the stored ExportSource's (storage/job.hpp).
  ExportSource src = export_source_from_json(args, "convert-vm");
  src.exported = false;  // what the export will set, never the request
  src.exported_epoch = 0;
  src.export_dir.clear();
  if (src.insecure && !src.thumbprint.empty())
    return error("convert-vm: insecure and thumbprint exclude each other (a pin is already a verification)");
  // A single host exports with its own slots: without any, the job could
  // never run and is refused. A cluster's export nodes come and go (one
  // may be restarting): the job waits for one, and the answer says so.
  const bool can_export_now = std::any_of(slots_.begin(), slots_.end(), [](const Slot& sl) { return sl.exporter && sl.available; });
  if (!cluster_mode() && std::none_of(slots_.begin(), slots_.end(), [](const Slot& sl) { return sl.exporter; }))
    return error("convert-vm: this daemon has no export slot (export.concurrent_exports is 0)", kErrorConflict);
  NewJob draft;
  draft.source_root = kVsphereRoot;
  draft.sources = {src.vm};
  draft.file_type = "vsphere";
  if (args.contains("priority")) {
    auto p = job_priority_from_string(text("priority"));
    if (!p) return error("convert-vm: unknown priority '" + text("priority") + "' (low, normal or high)");
    draft.priority = *p;
  }
  draft.export_source = src;
  Job job = store_->enqueue(std::move(draft), now_ms);
  if (const std::string pw = text("password"); !pw.empty()) export_passwords_[job.id] = pw;
  log_->info("job {} queued: export of {} from {}{}", job.id, src.vm, src.vcenter,
             src.username.empty() ? "" : " as " + src.username);
  fx.events.push_back(event_for(job, "queued", now_ms));
  dispatch(now_ms, fx);
  auto stored = store_->get(job.id);
  nlohmann::json reply{{"job", view(stored ? *stored : job)}};
  if (!can_export_now)
    reply["warning"] = "no export node is connected: the job waits in the queue until a node with the exporter role joins";
  return ok(reply);
}

void JobScheduler::remove_export_dirs(const std::string& job_id, std::uint64_t keep_epoch) const {
  // <watch>/.exports/<job>-e<epoch>: one folder per lease, so a stale
  // exporter never writes into the folder of the current one.
  const fs::path root = settings_.watch_root / ".exports";
  const std::string prefix = job_id + "-e";
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string epoch = name.substr(prefix.size());
    if (epoch.empty() || epoch.find_first_not_of("0123456789") != std::string::npos) continue;
    if (keep_epoch != 0 && epoch == std::to_string(keep_epoch)) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
    if (!rm) log_->info("job {}: removed the export folder {}", job_id, it->path().string());
  }
}

void JobScheduler::handle_exported(const msg::job_outcome& o, const Job& current,
                                   const std::string& holder_share_problem, std::int64_t now_ms, SchedulerEffects& fx) {
  // The folder must be this lease's own and every file inside it: the
  // exporter is trusted no further than its lease.
  const fs::path dir(o.output_path);
  const std::string expected = ".exports/" + current.id + "-e" + std::to_string(o.epoch);
  std::vector<fs::path> files;
  std::string problem;
  if (dir.lexically_normal().generic_string() != expected) problem = "export folder " + o.output_path + " is not " + expected;
  for (const auto& f : o.files) {
    const fs::path rel = fs::path(f).lexically_normal();
    if (rel.is_absolute() || rel.generic_string().rfind(expected + "/", 0) != 0) problem = "exported file " + f + " is outside " + expected;
    else if (!fs::is_regular_file(settings_.watch_root / rel)) problem = "exported file " + f + " is missing";
    files.push_back(rel);
  }
  if (files.empty()) problem = "the export reported no files";
  if (!problem.empty() && !holder_share_problem.empty()) {
    // Written where the exporter's node thought the share was: its mount
    // went (or never was); the export runs again on a node that has it.
    store_->requeue(current.id, false);
    remove_export_dirs(current.id, 0);
    log_->warn("job {}: export rejected ({}) from {}, whose node cannot use the share ({}): queued again (not charged)",
               current.id, problem, o.holder, holder_share_problem);
    return;
  }
  if (!problem.empty()) {
    log_->error("job {}: export rejected: {}", current.id, problem);
    JobError err{ErrorKind::Io, "export rejected: " + problem, "export"};  // retried: a share may lag
    Job job = record_failure(*store_, settings_.retry, current.id, err, now_ms);
    if (job.state == JobState::RetryWait) fx.events.push_back(event_for(job, "retry_scheduled", now_ms));
    else fail_for_good(job, err, o.log_tail, o.error_details, now_ms, fx);
    return;
  }
  Job job = store_->mark_exported(current.id, o.epoch, dir, files, file_type_of(files.front()));
  export_passwords_.erase(job.id);  // the export is done: the password is not needed any more
  active_sources_[primary(job)] = job.id;
  remove_export_dirs(job.id, o.epoch);
  std::uint64_t bytes = sources_size(settings_.watch_root, strings(job.sources));
  log_->info("job {} exported {} in {:.1f} s ({} file(s), {} bytes) to {}: queued for conversion", job.id,
             job.export_source->vm, o.duration_s, files.size(), bytes, o.output_path);
  msg::job_event e = event_for(job, "exported", now_ms);
  e.duration_s = o.duration_s;
  fx.events.push_back(std::move(e));
}

}  // namespace h2k
