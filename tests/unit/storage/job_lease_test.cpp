// The job lease in the store (issue #9): every claim is a new epoch held by a
// named holder, written in the claim's batch; the output folder is reserved
// in the store (unique among its jobs and on disk); recovery after a crash
// trusts the publish record, not a folder's mere existence; interrupted runs
// are shown but not charged; records of version 1 still read.
#include <boost/test/unit_test.hpp>

#include <rocksdb/db.h>

#include <set>

#include "storage/job_keys.hpp"
#include "storage/job_store.hpp"
#include "storage/record_failure.hpp"
#include "temp_dir.hpp"

using namespace h2k;
using h2k::test::TempDir;
namespace fs = std::filesystem;

namespace {

NewJob draft(const std::string& file) {
  NewJob d;
  d.source_root = kWatchRoot;
  d.sources = {file};
  d.file_type = fs::path(file).extension().string().substr(1);
  return d;
}

// The output folder as the scheduler sees it: a set of folders "on disk".
struct FakeOutput {
  std::set<std::string> folders;
  OutputExists exists() const {
    return [this](const fs::path& rel) { return folders.count(rel.generic_string()) > 0; };
  }
};

const auto kNoArchive = [](const Job&) { return std::string(); };

}  // namespace

BOOST_AUTO_TEST_SUITE(job_lease)

BOOST_AUTO_TEST_CASE(a_claim_bumps_the_epoch_and_names_the_holder_in_its_batch_and_both_survive_a_reopen) {
  TempDir t;
  std::string id;
  {
    JobStore store(t.db());
    id = store.enqueue(draft("web01.ova"), 1).id;
    BOOST_TEST(store.get(id)->epoch == 0u);
    BOOST_TEST(store.get(id)->holder.empty());
    auto job = store.claim_next_ready(2, "node-a/slot-2");
    BOOST_REQUIRE(job);
    BOOST_TEST(job->epoch == 1u);
    BOOST_TEST(job->holder == "node-a/slot-2");
    BOOST_TEST(job->publishing_epoch == 0u);
    BOOST_TEST(lease_matches(*job, 1, "node-a/slot-2"));
    BOOST_TEST(!lease_matches(*job, 1, "node-a/slot-1"), "another holder is not the lease");
    BOOST_TEST(!lease_matches(*job, 0, "node-a/slot-2"), "an older epoch is not the lease");
  }
  {
    JobStore store(t.db());  // what a restart reads: the claim and its lease together
    auto job = store.get(id);
    BOOST_REQUIRE(job);
    BOOST_TEST(job->state == JobState::Running);
    BOOST_TEST(job->epoch == 1u);
    BOOST_TEST(job->holder == "node-a/slot-2");
    BOOST_TEST(lease_matches(*job, 1, "node-a/slot-2"));
    // Each further claim is a new epoch: the slot lost, the job back in the queue, claimed by another slot.
    store.requeue(id, false);
    BOOST_TEST(store.get(id)->holder.empty(), "a queued job is held by nobody");
    BOOST_TEST(!lease_matches(*store.get(id), 1, "node-a/slot-2"), "a queued job has no current lease");
    auto again = store.claim_next_ready(3, "node-a/slot-1");
    BOOST_REQUIRE(again);
    BOOST_TEST(again->epoch == 2u);
    BOOST_TEST(again->holder == "node-a/slot-1");
    BOOST_TEST(!lease_matches(*again, 1, "node-a/slot-2"), "the first lease is stale now");
  }
  JobStore store(t.db());
  BOOST_TEST(store.get(id)->epoch == 2u);
  BOOST_TEST(store.get(id)->holder == "node-a/slot-1");
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(every_end_of_a_run_drops_the_holder) {
  TempDir t;
  JobStore store(t.db());
  FakeOutput out;
  std::vector<std::string> ids;
  for (auto f : {"a.ova", "b.ova", "c.ova", "d.ova"}) ids.push_back(store.enqueue(draft(f), 0).id);
  for (int i = 0; i < 4; ++i) store.claim_next_ready(1, "local/slot-" + std::to_string(i + 1));
  store.reserve_output(ids[0], "d", "a", out.exists());
  store.begin_publish(ids[0]);
  store.mark_done(ids[0], 2);
  store.mark_failed(ids[1], {ErrorKind::InvalidInput, "x", "probe"}, 2);
  store.mark_retry_wait(ids[2], {ErrorKind::Io, "x", "copy"}, 100);
  store.cancel(ids[3], 2);
  for (const auto& id : ids) BOOST_TEST(store.get(id)->holder.empty(), id << " still names a holder");
}

BOOST_AUTO_TEST_CASE(a_retry_job_reset_keeps_the_epoch_increasing) {
  // retry-job starts the attempts over (put with attempts 0): the epoch must
  // not start over, or a late report of the first run (epoch 1) would match
  // the rerun's lease.
  TempDir t;
  JobStore store(t.db());
  const auto id = store.enqueue(draft("vm.ova"), 0).id;
  store.claim_next_ready(1, "local/slot-1");
  store.mark_failed(id, {ErrorKind::InvalidInput, "truncated", "probe"}, 2);
  Job job = *store.get(id);
  BOOST_TEST(job.epoch == 1u);
  job.state = JobState::Queued;  // what the scheduler's retry-job writes
  job.attempts = 0;
  job.interrupted = 0;
  job.next_attempt_at = 0;
  job.finished_at = 0;
  store.put(job);
  auto rerun = store.claim_next_ready(3, "local/slot-1");
  BOOST_REQUIRE(rerun);
  BOOST_TEST(rerun->attempts == 1, "attempts start over");
  BOOST_TEST(rerun->epoch == 2u, "the epoch does not");
  BOOST_TEST(!lease_matches(*rerun, 1, "local/slot-1"), "the same slot's report of the first run is stale");
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(three_running_jobs_of_one_vm_name_get_three_distinct_folders) {
  TempDir t;
  JobStore store(t.db());
  FakeOutput out;
  std::vector<std::string> ids;
  for (auto f : {"a/web01.ova", "b/web01.ova", "c/web01.ova"}) ids.push_back(store.enqueue(draft(f), 0).id);
  for (int i = 0; i < 3; ++i) store.claim_next_ready(1, "local/slot-" + std::to_string(i + 1));
  std::vector<std::string> folders;
  for (const auto& id : ids) folders.push_back(store.reserve_output(id, "2026-12-03", "web01", out.exists()).output_path.generic_string());
  // None of them is on disk yet: only the store knows they are taken.
  BOOST_TEST(folders[0] == "2026-12-03/web01");
  BOOST_TEST(folders[1] == "2026-12-03/web01-" + ids[1], "the README's <vm>-<job id>");
  BOOST_TEST(folders[2] == "2026-12-03/web01-" + ids[2]);
  BOOST_TEST(std::set<std::string>(folders.begin(), folders.end()).size() == 3u);
  for (std::size_t i = 0; i < ids.size(); ++i) BOOST_TEST(store.get(ids[i])->output_path == fs::path(folders[i]));
  // Another day: the name is free again.
  const auto d = store.enqueue(draft("d/web01.ova"), 0).id;
  store.claim_next_ready(1, "local/slot-4");
  BOOST_TEST(store.reserve_output(d, "2026-12-04", "web01", out.exists()).output_path == fs::path("2026-12-04/web01"));
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(a_job_keeps_its_own_unpublished_reservation_across_reruns) {
  TempDir t;
  FakeOutput out;
  std::string a, b;
  {
    JobStore store(t.db());
    a = store.enqueue(draft("x/web01.ova"), 0).id;
    b = store.enqueue(draft("y/web01.ova"), 0).id;
    store.claim_next_ready(1, "local/slot-1");
    store.claim_next_ready(1, "local/slot-2");
    BOOST_TEST(store.reserve_output(a, "2026-12-03", "web01", out.exists()).output_path == fs::path("2026-12-03/web01"));
    BOOST_TEST(store.reserve_output(b, "2026-12-03", "web01", out.exists()).output_path ==
               fs::path("2026-12-03/web01-" + b));
    // Asked again in the same run (a repeated job_planned): the same answer.
    BOOST_TEST(store.reserve_output(a, "2026-12-03", "web01", out.exists()).output_path == fs::path("2026-12-03/web01"));
    // a fails transiently; b's run is cut by a crash.
    store.mark_retry_wait(a, {ErrorKind::Io, "x", "copy"}, 10);
  }
  JobStore store(t.db());
  store.recover_after_crash(20, out.exists(), kNoArchive);
  // Reruns, in the other order, on another day folder even: each keeps its name.
  store.claim_next_ready(30, "local/slot-1");  // b (queued) or a (due): both get claimed
  store.claim_next_ready(30, "local/slot-2");
  BOOST_TEST(store.reserve_output(b, "2026-12-03", "web01", out.exists()).output_path ==
             fs::path("2026-12-03/web01-" + b));
  BOOST_TEST(store.reserve_output(a, "2026-12-03", "web01", out.exists()).output_path == fs::path("2026-12-03/web01"));
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(a_name_that_exists_on_disk_is_skipped) {
  TempDir t;
  JobStore store(t.db());
  FakeOutput out;
  out.folders = {"2026-12-03/web01"};  // published yesterday by another daemon, or by hand
  const auto a = store.enqueue(draft("web01.ova"), 0).id;
  store.claim_next_ready(1, "local/slot-1");
  BOOST_TEST(store.reserve_output(a, "2026-12-03", "web01", out.exists()).output_path ==
             fs::path("2026-12-03/web01-" + a));
  out.folders.insert("2026-12-03/web02-job-x");
  out.folders.insert("2026-12-03/web02");
  const auto b = store.enqueue(draft("web02.ova"), 0).id;
  store.claim_next_ready(1, "local/slot-2");
  out.folders.insert("2026-12-03/web02-" + b);
  BOOST_TEST(store.reserve_output(b, "2026-12-03", "web02", out.exists()).output_path ==
             fs::path("2026-12-03/web02-" + b + "-2"));
  // A job's own reservation that appeared on disk without its publish is not
  // reused: that folder is someone else's.
  out.folders.insert("2026-12-03/web01-" + a);
  const auto again = store.reserve_output(a, "2026-12-03", "web01", out.exists()).output_path;
  BOOST_TEST(again != fs::path("2026-12-03/web01-" + a));
  BOOST_TEST(!out.folders.count(again.generic_string()));
}

BOOST_AUTO_TEST_CASE(a_failed_or_cancelled_job_releases_its_name) {
  TempDir t;
  JobStore store(t.db());
  FakeOutput out;
  const auto a = store.enqueue(draft("a/web01.ova"), 0).id;
  const auto b = store.enqueue(draft("b/web01.ova"), 0).id;
  store.claim_next_ready(1, "local/slot-1");
  store.claim_next_ready(1, "local/slot-2");
  store.reserve_output(a, "d", "web01", out.exists());
  store.reserve_output(b, "d", "db01", out.exists());
  auto failed = store.mark_failed(a, {ErrorKind::InvalidInput, "x", "probe"}, 2);
  BOOST_TEST(failed.output_path.empty(), "nothing was published under it");
  auto cancelled = store.cancel(b, 2);
  BOOST_TEST(cancelled.output_path.empty());
  const auto c = store.enqueue(draft("c/web01.ova"), 3).id;
  const auto d = store.enqueue(draft("d/db01.ova"), 3).id;
  store.claim_next_ready(4, "local/slot-1");
  store.claim_next_ready(4, "local/slot-2");
  BOOST_TEST(store.reserve_output(c, "d", "web01", out.exists()).output_path == fs::path("d/web01"));
  BOOST_TEST(store.reserve_output(d, "d", "db01", out.exists()).output_path == fs::path("d/db01"));
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(begin_publish_needs_a_running_job_with_a_reserved_folder) {
  TempDir t;
  JobStore store(t.db());
  FakeOutput out;
  const auto id = store.enqueue(draft("vm.ova"), 0).id;
  BOOST_CHECK_THROW(store.begin_publish(id), StorageError);  // queued
  store.claim_next_ready(1, "local/slot-1");
  BOOST_CHECK_THROW(store.begin_publish(id), StorageError);  // nothing reserved
  BOOST_TEST(!was_allowed_to_publish(store.reserve_output(id, "d", "vm", out.exists())));
  const Job allowed = store.begin_publish(id);
  BOOST_TEST(allowed.publishing_epoch == 1u);
  BOOST_TEST(was_allowed_to_publish(allowed), "this epoch may rename its staging folder now");
  BOOST_TEST(!has_published(allowed, out.exists()), "allowed, but its folder is not there yet");
  out.folders.insert(allowed.output_path.generic_string());
  BOOST_TEST(has_published(allowed, out.exists()));
  // A new claim starts without permission.
  store.requeue(id, false);
  BOOST_TEST(store.get(id)->publishing_epoch == 0u);
  const auto again = store.claim_next_ready(2, "local/slot-2");
  BOOST_TEST(again->publishing_epoch == 0u);
  BOOST_TEST(!was_allowed_to_publish(*again), "the permission was the first epoch's");
}

BOOST_AUTO_TEST_CASE(recovery_marks_done_the_epoch_that_published_with_its_sources_still_to_archive) {
  TempDir t;
  FakeOutput out;
  std::string id;
  {
    JobStore store(t.db(), JobStoreOptions{false});
    NewJob d = draft("erp/erp.vmx");
    d.sources.push_back("erp/erp-disk1.vmdk");
    d.dedup_key = "md5:erp";
    id = store.enqueue(d, 0).id;
    store.claim_next_ready(1, "local/slot-1");
    store.reserve_output(id, "2026-12-03", "erp", out.exists());
    store.begin_publish(id);
    store.sync();  // the scheduler syncs before answering the publish request
    out.folders.insert("2026-12-03/erp");  // the converter renamed; then kill -9
  }
  JobStore store(t.db());
  auto r = store.recover_after_crash(50, out.exists(), [](const Job& j) {
    return j.source_root == kWatchRoot ? std::string(".processed/2026-12-03") : std::string();
  });
  BOOST_TEST(r.completed == std::vector<std::string>{id}, boost::test_tools::per_element());
  BOOST_TEST(r.requeued.empty());
  const Job job = *store.get(id);
  BOOST_TEST(job.state == JobState::Done);
  BOOST_TEST(job.attempts == 1, "not run a second time");
  BOOST_TEST(job.output_path == fs::path("2026-12-03/erp"));
  BOOST_TEST(job.archive_pending == ".processed/2026-12-03", "its sources are moved exactly once, at start");
  BOOST_TEST(job.holder.empty());
  BOOST_TEST(store.dedup_index().find("md5:erp").value_or("") == id);
  BOOST_TEST(store.list_archive_pending().size() == 1u);
  store.mark_archived({id});
  BOOST_TEST(store.get(id)->archive_pending.empty());
  BOOST_TEST(store.get(id)->state == JobState::Done);
  BOOST_TEST(store.list_archive_pending().empty());
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(recovery_requeues_a_job_whose_folder_exists_without_this_epochs_publish) {
  // The folder is there, but this epoch was never allowed to publish: it is
  // another attempt's (a zombie of an earlier epoch renamed late) or someone
  // else's. Pre-lease recovery took any existing folder for "done".
  TempDir t;
  FakeOutput out;
  std::string never, zombie;
  {
    JobStore store(t.db());
    never = store.enqueue(draft("never.ova"), 0).id;
    zombie = store.enqueue(draft("zombie.ova"), 0).id;
    store.claim_next_ready(1, "local/slot-1");
    store.reserve_output(never, "d", "never", out.exists());
    out.folders.insert("d/never");  // appeared without a publish of epoch 1
    // zombie: epoch 1 was allowed to publish, then its slot was lost before
    // renaming; epoch 2 runs when the daemon dies, and epoch 1's late rename lands.
    store.claim_next_ready(1, "local/slot-2");
    store.reserve_output(zombie, "d", "zombie", out.exists());
    store.begin_publish(zombie);
    store.requeue(zombie, false);
    store.claim_next_ready(2, "local/slot-2");
    store.reserve_output(zombie, "d", "zombie", out.exists());
    out.folders.insert("d/zombie");
  }
  JobStore store(t.db());
  auto r = store.recover_after_crash(10, out.exists(), kNoArchive);
  BOOST_TEST(r.completed.empty());
  BOOST_TEST((std::set<std::string>(r.requeued.begin(), r.requeued.end()) == std::set<std::string>{never, zombie}));
  for (const auto& id : {never, zombie}) {
    const Job job = *store.get(id);
    BOOST_TEST(job.state == JobState::Queued, id);
    BOOST_TEST(job.publishing_epoch == 0u, id);
    BOOST_TEST(job.holder.empty(), id);
  }
  BOOST_TEST(store.get(never)->interrupted == 1);
  BOOST_TEST(store.get(zombie)->interrupted == 2, "the lost slot and the crash: neither charged");
  BOOST_TEST(store.get(zombie)->charged_attempts() == 0);
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(interrupted_runs_leave_the_retry_budget_untouched) {
  // Two crashes during a job's runs, then one failure of its own: with one
  // retry allowed it is retried, not failed (pre-lease: 3 attempts, failed).
  TempDir t;
  FakeOutput out;
  RetryPolicy policy;
  policy.max_retries = 1;
  std::string id;
  {
    JobStore store(t.db());
    id = store.enqueue(draft("vm.ova"), 0).id;
    store.claim_next_ready(1, "local/slot-1");
  }
  {
    JobStore store(t.db());
    store.recover_after_crash(2, out.exists(), kNoArchive);
    store.claim_next_ready(3, "local/slot-1");
  }
  JobStore store(t.db());
  store.recover_after_crash(4, out.exists(), kNoArchive);
  store.claim_next_ready(5, "local/slot-1");
  const Job before = *store.get(id);
  BOOST_TEST(before.attempts == 3);
  BOOST_TEST(before.interrupted == 2);
  BOOST_TEST(before.epoch == 3u);
  auto after = record_failure(store, policy, id, {ErrorKind::Io, "EIO", "copy"}, 6);
  BOOST_TEST(after.state == JobState::RetryWait);
  BOOST_TEST(after.next_attempt_at == 6 + policy.delay(0).count());
}

BOOST_AUTO_TEST_CASE(a_job_handed_back_for_a_missing_capability_is_queued_uncharged_and_remembers_it) {
  TempDir t;
  std::string id;
  {
    JobStore store(t.db());
    id = store.enqueue(draft("win.vmdk"), 0).id;
    store.claim_next_ready(1, "plain/slot-1");
    const Job back = store.requeue_needing(id, {"virtio-win"});
    BOOST_TEST(back.state == JobState::Queued);
    BOOST_TEST(back.holder.empty());
    BOOST_TEST(back.charged_attempts() == 0);
    // Handed back twice (say by an older node): listed once.
    store.claim_next_ready(2, "plain/slot-2");
    store.requeue_needing(id, {"virtio-win"});
    BOOST_TEST(store.counters().by_state.queued == 1u);
  }
  JobStore store(t.db());  // reopened: the record holds it
  const Job job = *store.get(id);
  BOOST_TEST(job.state == JobState::Queued);
  BOOST_TEST(job.needs == std::vector<std::string>{"virtio-win"}, boost::test_tools::per_element());
  BOOST_TEST(job.interrupted == 2);
  BOOST_TEST(job.charged_attempts() == 0);
  BOOST_TEST(store.check_consistency().empty());
  // A job that needs nothing keeps no "needs" in its record.
  const Job plain = store.enqueue(draft("lin.vmdk"), 3);
  BOOST_TEST(to_json(plain).contains("needs") == false);
  BOOST_CHECK_THROW(store.requeue_needing(plain.id, {"virtio-win"}), StorageError);  // not running
}

BOOST_AUTO_TEST_CASE(the_max_crashes_th_recovery_of_a_running_job_fails_it) {
  TempDir t;
  FakeOutput out;
  std::string id;
  {
    JobStore store(t.db());
    id = store.enqueue(draft("vm.ova"), 0).id;
    store.claim_next_ready(1, "local/slot-1");
  }
  for (int death = 1; death <= 2; ++death) {
    JobStore store(t.db());
    auto r = store.recover_after_crash(10 * death, out.exists(), kNoArchive, 3);
    BOOST_TEST(r.requeued == std::vector<std::string>{id}, boost::test_tools::per_element());
    BOOST_TEST(store.get(id)->crashes == death);
    store.claim_next_ready(10 * death + 1, "local/slot-1");
  }
  JobStore store(t.db());
  auto r = store.recover_after_crash(30, out.exists(), kNoArchive, 3);
  BOOST_TEST(r.failed == std::vector<std::string>{id}, boost::test_tools::per_element());
  BOOST_TEST(r.requeued.empty());
  const Job j = *store.get(id);
  BOOST_TEST(j.state == JobState::Failed);
  BOOST_TEST(j.crashes == 3);
  BOOST_TEST_REQUIRE(j.last_error.has_value());
  BOOST_TEST(j.last_error->kind == ErrorKind::Internal);
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(a_version_1_record_reads_as_an_external_job) {
  // Version 1 stored this host's absolute source root and no lease fields.
  const nlohmann::json v1 = {
      {"v", 1},           {"id", "job-7"},         {"source_root", "/srv/queue"},
      {"sources", {"web01/web01.ovf", "web01/web01-disk1.vmdk"}},
      {"file_type", "ovf"}, {"priority", "high"},  {"state", "retry_wait"},
      {"attempts", 2},    {"next_attempt_at", 9000}, {"created_at", 1000},
      {"started_at", 2000}, {"finished_at", 0},    {"output_path", "/srv/output/2026-12-03/web01"},
      {"dedup_key", "md5:0123"}, {"enqueue_seq", 1}, {"last_error", nullptr}};
  const Job job = job_from_json(v1, "job/job-7");
  BOOST_TEST(job.source_root == kExternalRoot);
  BOOST_REQUIRE(job.sources.size() == 2u);
  BOOST_TEST(job.sources[0] == fs::path("/srv/queue/web01/web01.ovf"));
  BOOST_TEST(job.sources[1] == fs::path("/srv/queue/web01/web01-disk1.vmdk"));
  BOOST_TEST(job.source_paths("/elsewhere")[0] == fs::path("/srv/queue/web01/web01.ovf"), "external: as stored");
  BOOST_TEST(job.epoch == 0u);
  BOOST_TEST(job.interrupted == 0);
  BOOST_TEST(job.holder.empty());
  BOOST_TEST(job.publishing_epoch == 0u);
  BOOST_TEST(job.archive_pending.empty());
  BOOST_TEST(job.attempts == 2);
  BOOST_TEST(job.charged_attempts() == 2);
  // Written back, it is version 2 with a named root.
  const auto v2 = to_json(job);
  BOOST_TEST(v2["v"] == 2);
  BOOST_TEST(v2["source_root"] == "external");

  nlohmann::json bad = v1;
  bad["source_root"] = "queue";  // neither a named root nor an absolute path
  BOOST_CHECK_THROW(job_from_json(bad, "job/job-7"), StorageError);
}

BOOST_AUTO_TEST_CASE(a_version_1_record_in_the_database_reads_back_and_runs_with_a_lease) {
  TempDir t;
  std::string id;
  {
    JobStore store(t.db());
    id = store.enqueue(draft("web01.ova"), 1000).id;  // queued, enqueue_seq 1
  }
  {
    // Overwrite the record with what version 1 wrote for it (same state and
    // sequence, so the index entries still match).
    rocksdb::DB* raw = nullptr;
    rocksdb::Options options;
    auto s = rocksdb::DB::Open(options, t.db().string(), &raw);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string current;
    BOOST_REQUIRE(db->Get(rocksdb::ReadOptions(), keys::job(id), &current).ok());
    auto rec = nlohmann::json::parse(current);
    const nlohmann::json v1 = {{"v", 1},
                               {"id", id},
                               {"source_root", "/srv/queue"},
                               {"sources", {"web01.ova"}},
                               {"file_type", "ova"},
                               {"priority", "normal"},
                               {"state", "queued"},
                               {"attempts", 0},
                               {"next_attempt_at", 0},
                               {"created_at", 1000},
                               {"started_at", 0},
                               {"finished_at", 0},
                               {"output_path", ""},
                               {"dedup_key", ""},
                               {"enqueue_seq", rec["enqueue_seq"]},
                               {"last_error", nullptr}};
    rocksdb::WriteOptions wo;
    wo.sync = true;
    BOOST_REQUIRE(db->Put(wo, keys::job(id), v1.dump()).ok());
  }
  JobStore store(t.db());
  auto job = store.get(id);
  BOOST_REQUIRE(job);
  BOOST_TEST(job->source_root == kExternalRoot);
  BOOST_TEST(job->sources.front() == fs::path("/srv/queue/web01.ova"));
  BOOST_TEST(store.check_consistency().empty());
  auto claimed = store.claim_next_ready(2000, "local/slot-1");
  BOOST_REQUIRE(claimed);
  BOOST_TEST(claimed->id == id);
  BOOST_TEST(claimed->epoch == 1u);
  BOOST_TEST(claimed->holder == "local/slot-1");
}

BOOST_AUTO_TEST_CASE(group_commit_sync_and_the_instance_id) {
  TempDir t;
  std::string instance;
  {
    JobStore store(t.db(), JobStoreOptions{false});
    instance = store.instance_id();
    BOOST_TEST(instance.size() == 8u);
    BOOST_TEST(instance.find_first_not_of("0123456789abcdef") == std::string::npos, instance);
    store.sync();  // nothing written: cheap, no error
    store.enqueue(draft("a.ova"), 1);
    store.sync();
  }
  JobStore store(t.db());
  BOOST_TEST(store.instance_id() == instance, "names this store's staging folders for good");
  BOOST_TEST(store.counters().by_state.queued == 1u);
  TempDir other;
  JobStore second(other.db());
  BOOST_TEST(second.instance_id() != instance);
}

// A coordinator's share id survives a restart (a kill -9 too: written synced).
BOOST_AUTO_TEST_CASE(the_share_id_is_remembered_across_a_restart) {
  TempDir t;
  {
    JobStore store(t.db(), JobStoreOptions{false});
    BOOST_TEST(store.share_id().empty(), "none at the first start");
    store.remember_share_id("5f0c2a9e41b7d3c8");
  }
  JobStore store(t.db(), JobStoreOptions{false});
  BOOST_TEST(store.share_id() == "5f0c2a9e41b7d3c8");
}


// The scheduler archives every done job of a group commit, then clears their
// marks with one write: each job leaves the archive list and the watch
// folder's index (its files may be reused as a new VM's), counts stay right,
// and it survives a reopen. A transition that keeps the index keys (output
// reserved, publish allowed) writes only the record and still leaves a store
// whose index matches its records.
BOOST_AUTO_TEST_CASE(done_jobs_of_one_group_are_marked_archived_in_one_write) {
  TempDir t;
  FakeOutput out;
  std::vector<std::string> ids;
  {
    JobStore store(t.db(), JobStoreOptions{false});
    for (const char* name : {"web/web.vmx", "db/db.vmx", "app/app.vmx"}) {
      const std::string id = store.enqueue(draft(name), 0).id;
      ids.push_back(id);
      store.claim_next_ready(1, "local/slot-1");
      const std::string vm = fs::path(name).stem().string();
      store.reserve_output(id, "2026-12-04", vm, out.exists());
      store.begin_publish(id);
      BOOST_TEST(store.check_consistency().empty(), "index unchanged by running -> running transitions");
      store.mark_done(id, 10, ".processed/2026-12-04");
    }
    BOOST_TEST(store.list_archive_pending().size() == 3u);
    BOOST_TEST(store.watch_sources().size() == 3u, "done jobs hold their files until archived");
    auto marked = store.mark_archived(std::vector<std::string>{ids[0], ids[2]});
    BOOST_TEST(marked.size() == 2u);
    BOOST_TEST(store.mark_archived(std::vector<std::string>{}).empty(), "nothing to mark: no write, no error");
    BOOST_TEST(store.counters().by_state.done == 3u);
    BOOST_TEST(store.check_consistency().empty());
    store.sync();
  }
  JobStore store(t.db());
  auto pending = store.list_archive_pending();
  BOOST_TEST_REQUIRE(pending.size() == 1u);
  BOOST_TEST(pending.front().id == ids[1], "only the job left out still waits for its archive");
  auto sources = store.watch_sources();
  BOOST_TEST_REQUIRE(sources.size() == 1u);
  BOOST_TEST(sources.front().second == "db/db.vmx");
  BOOST_TEST(store.get(ids[0])->archive_pending.empty());
  BOOST_TEST(store.get(ids[0])->state == JobState::Done);
  BOOST_TEST(store.get(ids[0])->output_path == fs::path("2026-12-04/web"));
  BOOST_TEST(store.counters().by_state.done == 3u);
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_SUITE_END()
