#include "storage/job_store.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <random>
#include <system_error>
#include <unordered_map>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include "storage/job_keys.hpp"
#include "storage/job_record_text.hpp"

namespace h2k {

namespace fs = std::filesystem;

std::size_t StateCounts::of(JobState s) const {
  switch (s) {
    case JobState::Queued: return queued;
    case JobState::Running: return running;
    case JobState::RetryWait: return retry_wait;
    case JobState::Done: return done;
    case JobState::Failed: return failed;
    case JobState::Cancelled: return cancelled;
  }
  return 0;
}

namespace {

// The smallest key greater than every key starting with `prefix` (our
// prefixes end in '/' or a digit, never 0xff).
std::string prefix_end(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

std::uint64_t parse_u64(const std::string& s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

// One atomic write being built: the RocksDB batch, plus what the process
// keeps in memory about it (state counts, cached records, seek floors),
// applied only once the batch is written. A batch abandoned by an exception
// leaves no trace in memory either.
struct PendingWrite {
  rocksdb::WriteBatch batch;
  std::array<long long, 6> count_deltas{};
  std::vector<Job> records;  // every job record in the batch, as written
  void Put(const rocksdb::Slice& key, const rocksdb::Slice& value) { batch.Put(key, value); }
  void Delete(const rocksdb::Slice& key) { batch.Delete(key); }
};

struct JobStore::Impl {
  fs::path path;
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions write_options;
  std::mutex mu;  // serialises read-modify-write of records and the members below
  std::uint64_t next_seq = 1;
  std::uint64_t retries_scheduled = 0;
  // Deleted keys stay in RocksDB as tombstones until compaction, and a queue
  // deletes at its head: seeking from the start of queue/ would step over
  // every job ever claimed. So each priority remembers a floor below which it
  // has no entries (invariant), and seeks from there; inserting below the
  // floor (a retry or recovered job keeps its old sequence) lowers it.
  std::array<std::uint64_t, keys::kQueueRanks> queue_floor{};
  // No retry/ entry is earlier than this (0 until the first scan; max: none
  // left). It is both where a scan seeks from and the earliest time a retry
  // can be due: every claim first promotes due retries, and without it each
  // claim would open an iterator over retry/ to find that nothing is due.
  std::int64_t retry_floor = 0;
  // Jobs per state, kept in memory: counted once at open, then moved by every
  // committed transition. The scheduler asks for them after every event, and
  // counting state/ keys each time would cost O(jobs ever run) per event.
  std::array<std::size_t, 6> state_counts{};
  // The records of the jobs in flight (running, or done with sources still
  // to archive), as last written. A dispatched job's record is read at each
  // step of its lease (reserve, publish, outcome, archive); this spares a
  // RocksDB read and a JSON parse per step. Bounded by the slots in use plus
  // the archive backlog; this store is the only writer of its database (one
  // process, RocksDB's lock), so the copy is never stale. Own mutex: reads
  // (get, list) do not take `mu`.
  mutable std::mutex hot_mu;
  std::unordered_map<std::string, Job> hot;
  bool unsynced = false;                       // group commit: written but not yet fsynced
  std::string instance_id;

  [[noreturn]] void fail(const std::string& what, const rocksdb::Status& s) const {
    throw StorageError(path.string() + ": " + what + ": " + s.ToString());
  }

  std::optional<std::string> read(const std::string& key) const {
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) fail("reading " + key, s);
    return value;
  }

  static bool is_hot(const Job& job) { return job.state == JobState::Running || !job.archive_pending.empty(); }

  std::optional<Job> load(const std::string& id) const {
    {
      std::lock_guard lock(hot_mu);
      if (auto it = hot.find(id); it != hot.end()) return it->second;
    }
    const auto key = keys::job(id);
    auto value = read(key);
    if (!value) return std::nullopt;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(*value);
    } catch (const nlohmann::json::exception& e) {
      throw StorageError(path.string() + ": " + key + ": not valid JSON: " + e.what());
    }
    return job_from_json(j, path.string() + ": " + key);
  }

  Job load_existing(const std::string& id) const {
    auto job = load(id);
    if (!job) throw StorageError(path.string() + ": no job '" + id + "'");
    return *job;
  }

  void commit(PendingWrite& w) {
    auto s = db->Write(write_options, &w.batch);
    if (!write_options.sync) unsynced = true;
    if (!s.ok()) fail("writing", s);
    for (std::size_t i = 0; i < w.count_deltas.size(); ++i)
      state_counts[i] = static_cast<std::size_t>(static_cast<long long>(state_counts[i]) + w.count_deltas[i]);
    std::lock_guard lock(hot_mu);
    for (auto& job : w.records) {
      note_written(job);
      if (is_hot(job)) hot.insert_or_assign(job.id, std::move(job));
      else hot.erase(job.id);
    }
    w.records.clear();
  }

  // Adds to `batch` the record of `now` and exactly the index changes that
  // take `before` (absent for a new job) to `now`.
  void stage(PendingWrite& batch, const std::optional<Job>& before, const Job& now) {
    if (before) --batch.count_deltas[static_cast<std::size_t>(before->state)];
    ++batch.count_deltas[static_cast<std::size_t>(now.state)];
    // Only the keys that change are written: most transitions of a running
    // job (output reserved, publish allowed) keep every index key, and each
    // write is a memtable insert and WAL bytes on the dispatch path.
    const auto new_keys = keys::index_keys(now);
    const auto old_keys = before ? keys::index_keys(*before) : std::vector<std::string>{};
    const auto listed = [](const std::vector<std::string>& ks, const std::string& k) {
      return std::find(ks.begin(), ks.end(), k) != ks.end();
    };
    for (auto& k : old_keys)
      if (!listed(new_keys, k)) batch.Delete(k);
    for (auto& k : new_keys)
      if (!listed(old_keys, k)) batch.Put(k, "");
    const std::string src_key = std::string(keys::kSource) + now.id;
    const bool held_before = before && keys::holds_watch_files(*before);
    if (keys::holds_watch_files(now)) {
      const std::string primary = now.sources.front().generic_string();
      if (!held_before || before->sources.front().generic_string() != primary) batch.Put(src_key, primary);
    } else if (held_before) {
      batch.Delete(src_key);
    }
    batch.Put(keys::job(now.id), job_record_text(now));
    batch.records.push_back(now);
  }

  // The output folder reservation follows the record: released when the job
  // fails or is cancelled (nothing was published under that name).
  void stage_release_output(PendingWrite& batch, Job& job) {
    if (job.output_path.empty()) return;
    const auto key = keys::out(job.output_path.generic_string());
    if (auto owner = read(key); owner && *owner == job.id) batch.Delete(key);
    job.output_path.clear();
  }

  // Keeps the seek floors valid after `job` was written (commit calls it).
  void note_written(const Job& job) {
    if (job.state == JobState::Queued) {
      auto& floor = queue_floor[keys::queue_rank(job)];
      floor = std::min(floor, job.enqueue_seq);
    } else if (job.state == JobState::RetryWait) {
      retry_floor = std::min(retry_floor, std::max<std::int64_t>(job.next_attempt_at, 0));
    }
  }

  // Applies one transition atomically and returns the new record.
  Job transition(const Job& before, Job after) {
    PendingWrite batch;
    stage(batch, before, after);
    commit(batch);
    return after;
  }

  Job running_job(const std::string& id, const char* action) const {
    Job job = load_existing(id);
    if (job.state != JobState::Running)
      throw StorageError(path.string() + ": cannot " + action + " job '" + id + "': it is " +
                         to_string(job.state) + ", not running");
    return job;
  }

  std::unique_ptr<rocksdb::Iterator> iterate(const rocksdb::Slice* upper_bound) const {
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = upper_bound;
    return std::unique_ptr<rocksdb::Iterator>(db->NewIterator(ro));
  }

  // Calls fn(key) for every key starting with prefix.
  template <typename Fn>
  void scan(const std::string& prefix, Fn&& fn) const {
    const std::string end = prefix_end(prefix);
    rocksdb::Slice upper(end);
    auto it = iterate(&upper);
    for (it->Seek(prefix); it->Valid(); it->Next()) fn(it->key(), it->value());
    if (!it->status().ok()) fail("scanning " + prefix, it->status());
  }

  void promote_due_retries(std::int64_t now_ms) {
    if (now_ms < retry_floor) return;
    std::int64_t next_due = std::numeric_limits<std::int64_t>::max();  // none left
    const std::string end = prefix_end(std::string(keys::kRetry));
    rocksdb::Slice upper(end);
    auto it = iterate(&upper);
    std::vector<std::string> due;
    for (it->Seek(keys::retry_from(retry_floor)); it->Valid(); it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      if (const auto at = keys::retry_time_of(key); at > now_ms) {
        next_due = at;
        break;
      }
      due.emplace_back(keys::id_of(key));
    }
    if (!it->status().ok()) fail("scanning retry/", it->status());
    if (!due.empty()) {
      PendingWrite batch;
      for (auto& id : due) {
        Job before = load_existing(id);
        Job after = before;
        after.state = JobState::Queued;
        stage(batch, before, after);
      }
      commit(batch);
    }
    // Every entry up to now was promoted; the first one left is the floor,
    // and later inserts below it lower it.
    retry_floor = next_due;
  }

  std::optional<Job> claim_from_queue(std::int64_t now_ms, const std::string& holder,
                                      const std::function<bool(const Job&)>& eligible, JobQueue queue) {
    const int first_rank = queue == JobQueue::Export ? keys::kExportRankBase : 0;
    for (int rank = first_rank; rank < first_rank + 3; ++rank) {
      // Seen empty since the last insert (every entry is at or above the
      // floor, every sequence handed out is below next_seq): no iterator.
      if (queue_floor[rank] >= next_seq) continue;
      const std::string prefix = keys::queue_prefix(rank);
      const std::string end = prefix_end(prefix);
      rocksdb::Slice upper(end);
      auto it = iterate(&upper);
      it->Seek(keys::queue_from(rank, queue_floor[rank]));
      if (!it->status().ok()) fail("scanning " + prefix, it->status());
      if (!it->Valid()) {
        queue_floor[rank] = std::max(queue_floor[rank], next_seq);  // empty: nothing below next_seq
        continue;
      }
      std::optional<Job> before;
      std::string key;
      bool skipped = false;
      for (int looked = 0; it->Valid() && looked <= JobStore::kMaxSkippedPerClaim; ++looked, it->Next()) {
        key = it->key().ToString();
        const std::string id(keys::id_of(key));
        before = load(id);
        if (!before || before->state != JobState::Queued)
          throw StorageError(path.string() + ": index entry " + key +
                             " has no queued job record (database damaged; see check_consistency)");
        if (!eligible || eligible(*before)) break;
        before.reset();
        skipped = true;
      }
      if (!it->status().ok()) fail("scanning " + prefix, it->status());
      if (!before) continue;  // nothing eligible near the head of this priority
      Job after = *before;
      after.state = JobState::Running;
      after.attempts += 1;
      after.epoch += 1;
      after.holder = holder;
      after.last_holder = holder;
      after.publishing_epoch = 0;
      after.started_at = now_ms;
      after = transition(*before, std::move(after));
      // The floor only moves past the head: skipped jobs stay below it.
      if (!skipped) queue_floor[rank] = std::max(queue_floor[rank], before->enqueue_seq + 1);
      return after;
    }
    return std::nullopt;
  }

  void check_new(const Job& job) const {
    if (!is_valid_job_id(job.id))
      throw StorageError(path.string() + ": invalid job id '" + job.id + "' (allowed: A-Z a-z 0-9 . _ -, 1..128 chars)");
    if (job.sources.empty()) throw StorageError(path.string() + ": job '" + job.id + "' has no source files");
    if (job.source_root == kVsphereRoot) {
      if (!job.export_source || job.export_source->vcenter.empty() || job.export_source->vm.empty())
        throw StorageError(path.string() + ": job '" + job.id + "': a vsphere job needs its vCenter and VM");
      return;
    }
    if (job.source_root != kWatchRoot && job.source_root != kExternalRoot)
      throw StorageError(path.string() + ": job '" + job.id + "': unknown source root '" + job.source_root +
                         "' (watch, external or vsphere)");
    for (auto& s : job.sources) {
      if (job.source_root == kExternalRoot) {
        if (!s.is_absolute())
          throw StorageError(path.string() + ": job '" + job.id + "': external source '" + s.string() +
                             "' must be an absolute path");
        continue;
      }
      bool escapes = s.empty() || s.is_absolute();
      for (auto& part : s)
        if (part == "..") escapes = true;
      if (escapes)
        throw StorageError(path.string() + ": job '" + job.id + "': source '" + s.string() +
                           "' must be a path relative to the watch root, without '..'");
    }
  }

  // Stages a new or replaced job, assigning an enqueue sequence when it has none.
  void stage_put(PendingWrite& batch, Job& job, const std::optional<Job>& before) {
    if (job.enqueue_seq == 0) job.enqueue_seq = next_seq++;
    else next_seq = std::max(next_seq, job.enqueue_seq + 1);
    stage(batch, before, job);
  }
};

namespace {

// The memtable remembers where it last inserted a key of each "folder"
// ("state/running/", "queue/1/", "job/"): a job's keys are written in
// enqueue and claim order, mostly next to the previous one of their folder,
// so an insert starts from there instead of descending the skip list.
class IndexFolderPrefix final : public rocksdb::SliceTransform {
public:
  const char* Name() const override { return "h2k.IndexFolderPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const std::string_view k(key.data(), key.size());
    // At most two components: "queue/1/<seq>/<id>" shares "queue/1/" with
    // the rest of its queue (a prefix per key would only grow the hint map).
    auto end = k.find('/');
    if (end == std::string_view::npos) return key;
    if (auto second = k.find('/', end + 1); second != std::string_view::npos) end = second;
    return rocksdb::Slice(key.data(), end + 1);
  }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

}  // namespace

JobStore::JobStore(const fs::path& db_path, JobStoreOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->path = db_path;
  impl_->write_options.sync = options.sync_writes;
  std::error_code ec;
  fs::create_directories(db_path.parent_path(), ec);
  if (ec) throw StorageError(db_path.string() + ": cannot create its folder: " + ec.message());

  rocksdb::Options o;
  o.create_if_missing = true;
  // Group commit: the log is written when sync() makes it durable, not at
  // each write (a dispatched job made four write(2) calls of the log, a
  // seventh of the coordinator's system calls). A write nobody acted on yet
  // is then lost to kill -9 as to a power cut; nothing acts before sync().
  o.manual_wal_flush = !options.sync_writes;
  o.memtable_insert_with_hint_prefix_extractor = std::make_shared<IndexFolderPrefix>();
  o.keep_log_file_num = 3;                 // RocksDB's own LOG files; the daemon runs for months
  o.max_log_file_size = 8 << 20;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(o, db_path.string(), &raw);
  if (!s.ok()) {
    std::string hint;
    if (s.ToString().find("lock") != std::string::npos) hint = " (is another hyper2kvm daemon using it?)";
    throw StorageError(db_path.string() + ": cannot open the daemon state database: " + s.ToString() + hint);
  }
  impl_->db.reset(raw);
  if (auto v = impl_->read(std::string(keys::kInstance))) {
    impl_->instance_id = *v;
  } else {
    // Eight hex digits from the kernel's random source: unique enough to
    // tell apart the daemons sharing one output folder.
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    impl_->instance_id = buf;
    rocksdb::WriteOptions wo;
    wo.sync = true;
    auto ws = impl_->db->Put(wo, std::string(keys::kInstance), impl_->instance_id);
    if (!ws.ok()) impl_->fail("writing " + std::string(keys::kInstance), ws);
  }
  if (auto v = impl_->read(std::string(keys::kNextSeq))) impl_->next_seq = std::max<std::uint64_t>(1, parse_u64(*v));
  if (auto v = impl_->read(std::string(keys::kRetriesScheduled))) impl_->retries_scheduled = parse_u64(*v);
  for (JobState st : {JobState::Queued, JobState::Running, JobState::RetryWait, JobState::Done, JobState::Failed,
                      JobState::Cancelled})
    impl_->scan(keys::state_prefix(st),
                [&](const rocksdb::Slice&, const rocksdb::Slice&) { ++impl_->state_counts[static_cast<std::size_t>(st)]; });
}

JobStore::~JobStore() {
  if (impl_ && impl_->db) {
    // The log holds every write (once its buffer is written out); flushing
    // the memtable now spares the next start replaying it (a restart with
    // 100,000 queued jobs must take seconds, not tens). After a crash the
    // replay still happens.
    impl_->db->FlushWAL(true);
    impl_->db->Flush(rocksdb::FlushOptions());
    impl_->db->Close();
  }
}

const fs::path& JobStore::path() const { return impl_->path; }

Job JobStore::enqueue(NewJob draft, std::int64_t now_ms) {
  std::vector<NewJob> one;
  one.push_back(std::move(draft));
  return enqueue_all(std::move(one), now_ms).front();
}

std::vector<Job> JobStore::enqueue_all(std::vector<NewJob> drafts, std::int64_t now_ms) {
  std::lock_guard lock(impl_->mu);
  PendingWrite batch;
  std::vector<Job> jobs;
  std::set<std::string> ids;
  const std::uint64_t first_seq = impl_->next_seq;
  try {
    for (auto& d : drafts) {
      Job job;
      job.enqueue_seq = impl_->next_seq++;
      job.id = d.id.empty() ? "job-" + std::to_string(job.enqueue_seq) : std::move(d.id);
      job.source_root = std::move(d.source_root);
      job.sources = std::move(d.sources);
      job.file_type = std::move(d.file_type);
      job.priority = d.priority;
      job.state = JobState::Queued;
      job.created_at = now_ms;
      job.dedup_key = std::move(d.dedup_key);
      job.export_source = std::move(d.export_source);
      impl_->check_new(job);
      if (!ids.insert(job.id).second || impl_->load(job.id))
        throw StorageError(impl_->path.string() + ": job '" + job.id + "' already exists");
      impl_->stage(batch, std::nullopt, job);
      jobs.push_back(std::move(job));
    }
    batch.Put(std::string(keys::kNextSeq), std::to_string(impl_->next_seq));
    impl_->commit(batch);
  } catch (...) {
    impl_->next_seq = first_seq;  // nothing was written
    throw;
  }
  return jobs;
}

void JobStore::put(Job job) {
  std::lock_guard lock(impl_->mu);
  impl_->check_new(job);
  const auto before = impl_->load(job.id);
  const std::uint64_t seq_before = impl_->next_seq;
  PendingWrite batch;
  impl_->stage_put(batch, job, before);
  batch.Put(std::string(keys::kNextSeq), std::to_string(impl_->next_seq));
  try {
    impl_->commit(batch);
  } catch (...) {
    impl_->next_seq = seq_before;
    throw;
  }
}

std::optional<Job> JobStore::get(const std::string& id) const {
  if (!is_valid_job_id(id)) return std::nullopt;
  return impl_->load(id);
}

std::vector<Job> JobStore::list(JobState state) const {
  std::vector<Job> out;
  impl_->scan(keys::state_prefix(state), [&](const rocksdb::Slice& key, const rocksdb::Slice&) {
    const std::string id(keys::id_of(std::string_view(key.data(), key.size())));
    if (auto job = impl_->load(id)) out.push_back(std::move(*job));
  });
  std::sort(out.begin(), out.end(), [](const Job& a, const Job& b) {
    return a.enqueue_seq != b.enqueue_seq ? a.enqueue_seq < b.enqueue_seq : a.id < b.id;
  });
  return out;
}

std::optional<Job> JobStore::claim_next_ready(std::int64_t now_ms, const std::string& holder,
                                              const std::function<bool(const Job&)>& eligible, JobQueue queue) {
  std::lock_guard lock(impl_->mu);
  impl_->promote_due_retries(now_ms);
  return impl_->claim_from_queue(now_ms, holder, eligible, queue);
}

std::optional<std::int64_t> JobStore::next_retry_at() const {
  const std::string prefix(keys::kRetry);
  const std::string end = prefix_end(prefix);
  rocksdb::Slice upper(end);
  auto it = impl_->iterate(&upper);
  it->Seek(prefix);
  if (!it->status().ok()) impl_->fail("scanning retry/", it->status());
  if (!it->Valid()) return std::nullopt;
  return keys::retry_time_of(std::string_view(it->key().data(), it->key().size()));
}

namespace {
// A running job's record once it is done.
Job done_from(const Job& before, std::int64_t now_ms, const std::string& archive_pending) {
  Job after = before;
  after.state = JobState::Done;
  after.finished_at = now_ms;
  after.holder.clear();
  after.archive_pending = archive_pending;
  return after;
}
}  // namespace

Job JobStore::reserve_output(const std::string& id, const fs::path& subdir, const std::string& vm_name,
                             const OutputExists& exists, const std::string& dedup_key) {
  std::lock_guard lock(impl_->mu);
  Job before = impl_->running_job(id, "reserve an output folder for");
  auto free_for_us = [&](const fs::path& folder) {
    auto owner = impl_->read(keys::out(folder.generic_string()));
    if (owner && *owner != id) return false;
    return !exists(folder);
  };
  if (!before.output_path.empty() && free_for_us(before.output_path) &&
      (dedup_key.empty() || dedup_key == before.dedup_key) && before.duplicate_of.empty())
    return before;  // rerun: same name
  fs::path chosen = before.output_path;
  if (chosen.empty() || !free_for_us(chosen)) chosen = subdir / vm_name;
  for (int n = 1; !free_for_us(chosen); ++n)
    chosen = subdir / (vm_name + "-" + id + (n == 1 ? "" : "-" + std::to_string(n)));
  Job after = before;
  PendingWrite batch;
  impl_->stage_release_output(batch, after);  // the previous name, if it was ours
  after.output_path = chosen;
  if (!dedup_key.empty()) after.dedup_key = dedup_key;
  after.duplicate_of.clear();
  batch.Put(keys::out(chosen.generic_string()), id);
  impl_->stage(batch, before, after);
  impl_->commit(batch);
  return after;
}

Job JobStore::note_duplicate(const std::string& id, const std::string& dedup_key, const std::string& original) {
  std::lock_guard lock(impl_->mu);
  Job before = impl_->running_job(id, "record as a duplicate");
  Job after = before;
  after.dedup_key = dedup_key;
  after.duplicate_of = original;
  PendingWrite batch;
  impl_->stage(batch, before, after);
  impl_->commit(batch);
  return after;
}

Job JobStore::mark_duplicate(const std::string& id, std::int64_t now_ms, const std::string& archive_pending) {
  std::lock_guard lock(impl_->mu);
  Job before = impl_->running_job(id, "mark as a duplicate");
  if (before.duplicate_of.empty())
    throw StorageError(impl_->path.string() + ": job '" + id + "' is not recorded as a duplicate");
  Job after = done_from(before, now_ms, archive_pending);
  PendingWrite batch;
  // Its own reservation (from an earlier attempt) is released: the VM's
  // folder is the original's.
  impl_->stage_release_output(batch, after);
  if (auto original = impl_->load(before.duplicate_of)) after.output_path = original->output_path;
  impl_->stage(batch, before, after);
  impl_->commit(batch);
  return after;
}

Job JobStore::begin_publish(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  Job before = impl_->running_job(id, "publish");
  if (before.output_path.empty())
    throw StorageError(impl_->path.string() + ": job '" + id + "' cannot publish: no output folder reserved");
  Job after = before;
  after.publishing_epoch = before.epoch;
  return impl_->transition(before, std::move(after));
}

Job JobStore::mark_done(const std::string& id, std::int64_t now_ms, const std::string& archive_pending) {
  std::lock_guard lock(impl_->mu);
  Job before = impl_->running_job(id, "mark done");
  Job after = done_from(before, now_ms, archive_pending);
  PendingWrite batch;
  impl_->stage(batch, before, after);
  if (!after.dedup_key.empty()) batch.Put(keys::dedup(after.dedup_key), after.id);
  impl_->commit(batch);
  return after;
}

Job JobStore::mark_exported(const std::string& id, std::uint64_t epoch, const fs::path& export_dir,
                            std::vector<fs::path> sources, const std::string& file_type) {
  std::lock_guard lock(impl_->mu);
  Job before = impl_->running_job(id, "hand over the export of");
  if (!before.needs_export() || !before.export_source)
    throw StorageError(impl_->path.string() + ": job '" + id + "' is not in its export phase");
  if (before.epoch != epoch)
    throw StorageError(impl_->path.string() + ": job '" + id + "': export of epoch " + std::to_string(epoch) +
                       " is stale (the lease is at epoch " + std::to_string(before.epoch) + ")");
  Job after = before;
  after.state = JobState::Queued;
  after.holder.clear();
  after.publishing_epoch = 0;
  after.source_root = kWatchRoot;
  after.sources = std::move(sources);
  after.file_type = file_type;
  after.export_source->exported = true;
  after.export_source->exported_epoch = epoch;
  after.export_source->export_dir = export_dir.generic_string();
  // The conversion gets its own retry budget: a flaky export does not use it up.
  after.attempts = 0;
  after.interrupted = 0;
  after.crashes = 0;
  after.last_error.reset();
  impl_->check_new(after);
  return impl_->transition(before, std::move(after));
}

std::vector<Job> JobStore::mark_archived(const std::vector<std::string>& ids) {
  std::lock_guard lock(impl_->mu);
  PendingWrite batch;
  std::vector<Job> written;
  for (const auto& id : ids) {
    Job before = impl_->load_existing(id);
    Job after = before;
    after.archive_pending.clear();
    impl_->stage(batch, before, after);
    written.push_back(std::move(after));
  }
  if (written.empty()) return written;
  impl_->commit(batch);
  return written;
}

Job JobStore::requeue(const std::string& id, bool charged) { return requeue_with(id, charged, {}); }

Job JobStore::requeue_needing(const std::string& id, const std::vector<std::string>& needs) {
  return requeue_with(id, false, needs);
}

Job JobStore::requeue_with(const std::string& id, bool charged, const std::vector<std::string>& needs) {
  std::lock_guard lock(impl_->mu);
  Job before = impl_->running_job(id, "requeue");
  Job after = before;
  after.state = JobState::Queued;
  after.holder.clear();
  after.publishing_epoch = 0;
  if (!charged) after.interrupted += 1;
  for (const auto& n : needs)
    if (std::find(after.needs.begin(), after.needs.end(), n) == after.needs.end()) after.needs.push_back(n);
  return impl_->transition(before, std::move(after));
}

Job JobStore::mark_failed(const std::string& id, JobError error, std::int64_t now_ms) {
  std::lock_guard lock(impl_->mu);
  Job before = impl_->running_job(id, "mark failed");
  Job after = before;
  after.state = JobState::Failed;
  after.finished_at = now_ms;
  after.holder.clear();
  after.last_error = std::move(error);
  PendingWrite batch;
  impl_->stage_release_output(batch, after);
  impl_->stage(batch, before, after);
  impl_->commit(batch);
  return after;
}

Job JobStore::mark_retry_wait(const std::string& id, JobError error, std::int64_t next_attempt_at_ms) {
  std::lock_guard lock(impl_->mu);
  Job before = impl_->running_job(id, "schedule a retry of");
  Job after = before;
  after.state = JobState::RetryWait;
  after.next_attempt_at = next_attempt_at_ms;
  after.holder.clear();
  after.publishing_epoch = 0;
  after.last_error = std::move(error);
  PendingWrite batch;
  impl_->stage(batch, before, after);
  batch.Put(std::string(keys::kRetriesScheduled), std::to_string(impl_->retries_scheduled + 1));
  impl_->commit(batch);
  impl_->retries_scheduled += 1;
  return after;
}

Job JobStore::cancel(const std::string& id, std::int64_t now_ms) {
  std::lock_guard lock(impl_->mu);
  Job before = impl_->load_existing(id);
  if (is_final(before.state))
    throw StorageError(impl_->path.string() + ": cannot cancel job '" + id + "': it is already " +
                       to_string(before.state));
  Job after = before;
  after.state = JobState::Cancelled;
  after.finished_at = now_ms;
  after.holder.clear();
  PendingWrite batch;
  impl_->stage_release_output(batch, after);
  impl_->stage(batch, before, after);
  impl_->commit(batch);
  return after;
}

RecoveryResult JobStore::recover_after_crash(std::int64_t now_ms, const OutputExists& exists,
                                             const std::function<std::string(const Job&)>& archive_dir,
                                             int max_crashes, const std::function<bool(const Job&)>& keep_running) {
  std::lock_guard lock(impl_->mu);
  std::vector<std::string> ids;
  impl_->scan(keys::state_prefix(JobState::Running), [&](const rocksdb::Slice& key, const rocksdb::Slice&) {
    ids.emplace_back(keys::id_of(std::string_view(key.data(), key.size())));
  });
  RecoveryResult result;
  if (ids.empty()) return result;
  PendingWrite batch;
  std::vector<Job> written;
  for (auto& id : ids) {
    Job before = impl_->load_existing(id);
    if (keep_running && keep_running(before)) continue;
    Job after = before;
    after.holder.clear();
    // Done only when THIS epoch was allowed to publish and the folder is
    // there: a folder of that name without the permission is not ours. An
    // error reading the disk reads as "not published": the job runs again,
    // and the engine's publish refuses to replace an existing folder, so the
    // worst case is a visible failure, never a second copy.
    if (has_published(before, exists)) {
      after.state = JobState::Done;
      after.finished_at = now_ms;
      after.archive_pending = archive_dir(before);
      if (!after.dedup_key.empty()) batch.Put(keys::dedup(after.dedup_key), after.id);
      result.completed.push_back(id);
    } else if (max_crashes > 0 && before.crashes + 1 >= max_crashes) {
      after.state = JobState::Failed;
      after.finished_at = now_ms;
      after.crashes += 1;
      after.publishing_epoch = 0;
      after.last_error = JobError{ErrorKind::Internal,
                                  "the daemon stopped " + std::to_string(after.crashes) +
                                      " times (killed or crashed) while converting this job: not tried again, in "
                                      "case the job is what brings it down (hyperctl retry-job runs it again)",
                                  "recovery"};
      impl_->stage_release_output(batch, after);
      result.failed.push_back(id);
    } else {
      after.state = JobState::Queued;
      after.interrupted += 1;  // the crash was not the job's fault
      after.crashes += 1;
      after.publishing_epoch = 0;
      result.requeued.push_back(id);
    }
    impl_->stage(batch, before, after);
    written.push_back(std::move(after));
  }
  impl_->commit(batch);
  return result;
}

void JobStore::sync() {
  std::lock_guard lock(impl_->mu);
  if (!impl_->unsynced) return;
  // Writes the log buffered since the last call (manual_wal_flush), then fsyncs it.
  auto s = impl_->db->FlushWAL(true);
  if (!s.ok()) impl_->fail("syncing the log", s);
  impl_->unsynced = false;
}

const std::string& JobStore::instance_id() const { return impl_->instance_id; }

std::string JobStore::share_id() const { return impl_->read(std::string(keys::kShareId)).value_or(""); }

void JobStore::remember_share_id(const std::string& id) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = impl_->db->Put(wo, std::string(keys::kShareId), id);
  if (!s.ok()) impl_->fail("writing " + std::string(keys::kShareId), s);
}

std::vector<std::pair<std::string, std::string>> JobStore::watch_sources() const {
  std::vector<std::pair<std::string, std::string>> out;
  impl_->scan(std::string(keys::kSource), [&](const rocksdb::Slice& key, const rocksdb::Slice& value) {
    out.emplace_back(std::string(key.data() + keys::kSource.size(), key.size() - keys::kSource.size()), value.ToString());
  });
  return out;
}

std::vector<Job> JobStore::list_archive_pending() const {
  std::vector<Job> out;
  impl_->scan(std::string(keys::kArchive), [&](const rocksdb::Slice& key, const rocksdb::Slice&) {
    if (auto job = impl_->load(std::string(keys::id_of(std::string_view(key.data(), key.size()))))) out.push_back(*job);
  });
  return out;
}

bool JobStore::paths_migrated() const { return impl_->read(std::string(keys::kPathsV2)).has_value(); }

void JobStore::mark_paths_migrated() {
  std::lock_guard lock(impl_->mu);
  PendingWrite batch;
  batch.Put(std::string(keys::kPathsV2), "1");
  impl_->commit(batch);
}

JobCounters JobStore::counters() const {
  JobCounters c;
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto count = [&](JobState s) { return impl_->state_counts[static_cast<std::size_t>(s)]; };
  c.by_state.queued = count(JobState::Queued);
  c.by_state.running = count(JobState::Running);
  c.by_state.retry_wait = count(JobState::RetryWait);
  c.by_state.done = count(JobState::Done);
  c.by_state.failed = count(JobState::Failed);
  c.by_state.cancelled = count(JobState::Cancelled);
  c.retries_scheduled = impl_->retries_scheduled;  // as stored: read at open, moved with each write of it
  return c;
}

DedupIndex JobStore::dedup_index() {
  // Synced: its only write (forget, a control command) is rare, and a synced
  // write also writes out the log buffered by group commit.
  return DedupIndex(impl_->db.get(), true, impl_->path);
}

std::vector<std::string> JobStore::check_consistency() const {
  std::vector<std::string> problems;
  std::set<std::string> expected_index;  // every index key the records call for
  std::uint64_t max_seq = 0;
  std::map<std::string, JobState> states;
  std::size_t hot_seen = 0;
  impl_->scan(std::string(keys::kJob), [&](const rocksdb::Slice& key, const rocksdb::Slice& value) {
    const std::string k = key.ToString();
    const std::string id = k.substr(keys::kJob.size());
    try {
      Job job = job_from_json(nlohmann::json::parse(value.ToString()), k);
      if (job.id != id) problems.push_back(k + ": record says id '" + job.id + "'");
      {
        std::lock_guard lock(impl_->hot_mu);
        if (auto h = impl_->hot.find(id); h != impl_->hot.end()) {
          if (job_record_text(h->second) != std::string_view(value.data(), value.size())) problems.push_back(k + ": the copy kept in memory differs from the stored record");
          ++hot_seen;
        }
      }
      for (auto& ik : keys::index_keys(job)) expected_index.insert(ik);
      max_seq = std::max(max_seq, job.enqueue_seq);
      states[id] = job.state;
    } catch (const std::exception& e) {
      problems.push_back(k + ": unreadable: " + e.what());
    }
  });
  for (std::string_view prefix : {keys::kState, keys::kQueue, keys::kRetry, keys::kArchive}) {
    impl_->scan(std::string(prefix), [&](const rocksdb::Slice& key, const rocksdb::Slice&) {
      const std::string k = key.ToString();
      if (!expected_index.erase(k)) problems.push_back(k + ": index entry without a matching job record");
    });
  }
  for (auto& missing : expected_index) problems.push_back(missing + ": index entry missing for its job record");
  {
    std::lock_guard lock(impl_->hot_mu);
    if (hot_seen != impl_->hot.size())
      problems.push_back(std::to_string(impl_->hot.size() - hot_seen) + " job(s) kept in memory have no stored record");
  }
  impl_->scan(std::string(keys::kDedup), [&](const rocksdb::Slice& key, const rocksdb::Slice& value) {
    auto it = states.find(value.ToString());
    if (it == states.end()) problems.push_back(key.ToString() + ": names unknown job '" + value.ToString() + "'");
    else if (it->second != JobState::Done)
      problems.push_back(key.ToString() + ": names job '" + value.ToString() + "' which is " + to_string(it->second));
  });
  std::uint64_t next_seq = 1;
  if (auto v = impl_->read(std::string(keys::kNextSeq))) next_seq = parse_u64(*v);
  if (max_seq >= next_seq)
    problems.push_back(std::string(keys::kNextSeq) + " is " + std::to_string(next_seq) +
                       " but a job has enqueue_seq " + std::to_string(max_seq));
  return problems;
}

}  // namespace h2k
