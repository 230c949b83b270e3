#include <boost/test/unit_test.hpp>

#include <fstream>
#include <random>
#include <set>

#include "storage/job_keys.hpp"
#include "storage/job_store.hpp"
#include "temp_dir.hpp"

using namespace h2k;
using h2k::test::TempDir;
namespace fs = std::filesystem;

namespace {

NewJob draft(const std::string& file, JobPriority priority = JobPriority::Normal, std::string dedup_key = "") {
  NewJob d;
  d.source_root = kWatchRoot;
  d.sources = {file};
  d.file_type = fs::path(file).extension().string().substr(1);
  d.priority = priority;
  d.dedup_key = std::move(dedup_key);
  return d;
}

std::vector<std::string> sources_of_claims(JobStore& store, std::int64_t now) {
  std::vector<std::string> out;
  while (auto job = store.claim_next_ready(now, "test/slot-1")) out.push_back(job->sources.front().string());
  return out;
}

template <typename Fn>
std::string storage_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const StorageError& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(job_store)

BOOST_AUTO_TEST_CASE(every_field_round_trips_through_a_reopen) {
  TempDir t;
  std::string id;
  {
    JobStore store(t.db());
    NewJob d = draft("web01/web01.ovf", JobPriority::High, "md5:0123");
    d.sources.push_back("web01/web01-disk1.vmdk");
    id = store.enqueue(d, 1000).id;
    auto claimed = store.claim_next_ready(2000, "test/slot-1");
    BOOST_REQUIRE(claimed);
    store.reserve_output(id, "2026-12-03", "web01", [](const fs::path&) { return false; });
    store.mark_retry_wait(id, JobError{ErrorKind::Timeout, "appliance did not start in 600 s", "guest"}, 9000);
  }
  JobStore store(t.db());
  auto job = store.get(id);
  BOOST_REQUIRE(job);
  BOOST_TEST(job->id == id);
  BOOST_TEST(job->source_root == kWatchRoot);
  BOOST_REQUIRE(job->sources.size() == 2u);
  BOOST_TEST(job->sources[1] == fs::path("web01/web01-disk1.vmdk"));
  BOOST_TEST(job->source_paths("/srv/queue")[0] == fs::path("/srv/queue/web01/web01.ovf"));
  BOOST_TEST(job->source_paths("/mnt/share/queue")[1] == fs::path("/mnt/share/queue/web01/web01-disk1.vmdk"),
             "the same record read on a host that mounts the queue elsewhere");
  BOOST_TEST(job->file_type == "ovf");
  BOOST_TEST(job->priority == JobPriority::High);
  BOOST_TEST(job->state == JobState::RetryWait);
  BOOST_TEST(job->attempts == 1);
  BOOST_TEST(job->epoch == 1u);
  BOOST_TEST(job->holder.empty(), "a job waiting for its retry is held by nobody");
  BOOST_TEST(job->next_attempt_at == 9000);
  BOOST_TEST(job->created_at == 1000);
  BOOST_TEST(job->started_at == 2000);
  BOOST_TEST(job->finished_at == 0);
  BOOST_TEST(job->output_path == fs::path("2026-12-03/web01"), "relative to the output root, kept for its retry");
  BOOST_TEST(job->dedup_key == "md5:0123");
  BOOST_REQUIRE(job->last_error);
  BOOST_TEST(job->last_error->kind == ErrorKind::Timeout);
  BOOST_TEST(job->last_error->reason == "appliance did not start in 600 s");
  BOOST_TEST(job->last_error->phase == "guest");
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(ids_are_assigned_unique_and_checked) {
  TempDir t;
  JobStore store(t.db());
  auto a = store.enqueue(draft("a.vmdk"), 1);
  auto b = store.enqueue(draft("b.vmdk"), 1);
  BOOST_TEST(!a.id.empty());
  BOOST_TEST(a.id != b.id);
  NewJob named = draft("c.vmdk");
  named.id = "web01-2026";
  BOOST_TEST(store.enqueue(named, 1).id == "web01-2026");
  BOOST_TEST(contains(storage_error_of([&] { store.enqueue(named, 1); }), "'web01-2026' already exists"));
  named.id = "bad/id";
  BOOST_TEST(contains(storage_error_of([&] { store.enqueue(named, 1); }), "invalid job id 'bad/id'"));
  BOOST_TEST(store.counters().by_state.queued == 3u);  // the rejected ones left nothing behind
  BOOST_TEST(!store.get("bad/id"));
}

BOOST_AUTO_TEST_CASE(sources_must_stay_inside_the_root) {
  TempDir t;
  JobStore store(t.db());
  BOOST_TEST(contains(storage_error_of([&] { store.enqueue(draft("../etc/shadow.vmdk"), 1); }), "without '..'"));
  BOOST_TEST(contains(storage_error_of([&] { store.enqueue(draft("/etc/x.vmdk"), 1); }), "relative"));
  // external: one absolute path, never a relative one; no other root names.
  NewJob ext = draft("images/x.vmdk");
  ext.source_root = kExternalRoot;
  BOOST_TEST(contains(storage_error_of([&] { store.enqueue(ext, 1); }), "absolute"));
  NewJob odd = draft("x.vmdk");
  odd.source_root = "/srv/queue";
  BOOST_TEST(contains(storage_error_of([&] { store.enqueue(odd, 1); }), "unknown source root"));
  NewJob none = draft("a.vmdk");
  none.sources.clear();
  BOOST_TEST(contains(storage_error_of([&] { store.enqueue(none, 1); }), "no source files"));
  BOOST_TEST(store.counters().by_state.total() == 0u);
}

BOOST_AUTO_TEST_CASE(high_before_normal_before_low_fifo_within_each) {
  TempDir t;
  JobStore store(t.db());
  store.enqueue(draft("low1.vmdk", JobPriority::Low), 1);
  store.enqueue(draft("normal1.vmdk", JobPriority::Normal), 2);
  store.enqueue(draft("high1.vmdk", JobPriority::High), 3);
  store.enqueue(draft("low2.vmdk", JobPriority::Low), 4);
  store.enqueue(draft("normal2.vmdk", JobPriority::Normal), 5);
  store.enqueue(draft("high2.vmdk", JobPriority::High), 6);
  const std::vector<std::string> expected{"high1.vmdk",   "high2.vmdk", "normal1.vmdk",
                                          "normal2.vmdk", "low1.vmdk",  "low2.vmdk"};
  BOOST_TEST(sources_of_claims(store, 10) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(order_survives_a_reopen) {
  TempDir t;
  {
    JobStore store(t.db());
    store.enqueue(draft("n1.vmdk"), 1);
    store.enqueue(draft("l1.vmdk", JobPriority::Low), 1);
    store.enqueue(draft("n2.vmdk"), 1);
  }
  {
    JobStore store(t.db());
    store.enqueue(draft("n3.vmdk"), 2);  // sequence numbers continue after the reopen
    store.enqueue(draft("h1.vmdk", JobPriority::High), 2);
  }
  JobStore store(t.db());
  const std::vector<std::string> expected{"h1.vmdk", "n1.vmdk", "n2.vmdk", "n3.vmdk", "l1.vmdk"};
  BOOST_TEST(sources_of_claims(store, 10) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(claim_marks_running_and_counts_the_attempt) {
  TempDir t;
  JobStore store(t.db());
  BOOST_TEST(!store.claim_next_ready(5, "test/slot-1"));
  auto queued = store.enqueue(draft("a.vmdk"), 5);
  BOOST_TEST(queued.state == JobState::Queued);
  BOOST_TEST(queued.attempts == 0);
  auto job = store.claim_next_ready(7, "test/slot-1");
  BOOST_REQUIRE(job);
  BOOST_TEST(job->id == queued.id);
  BOOST_TEST(job->state == JobState::Running);
  BOOST_TEST(job->attempts == 1);
  BOOST_TEST(job->started_at == 7);
  BOOST_TEST(store.get(job->id)->state == JobState::Running);
  BOOST_TEST(!store.claim_next_ready(8, "test/slot-1"));  // claimed once only
}

BOOST_AUTO_TEST_CASE(retry_waits_until_its_time) {
  TempDir t;
  JobStore store(t.db());
  auto id = store.enqueue(draft("a.vmdk"), 0).id;
  store.claim_next_ready(0, "test/slot-1");
  BOOST_TEST(!store.next_retry_at());
  store.mark_retry_wait(id, {ErrorKind::Io, "read error", "copy"}, 300'000);
  BOOST_TEST(store.get(id)->state == JobState::RetryWait);
  BOOST_TEST(store.next_retry_at().value_or(-1) == 300'000);
  BOOST_TEST(store.list(JobState::RetryWait).size() == 1u);
  BOOST_TEST(!store.claim_next_ready(299'999, "test/slot-1"));
  auto again = store.claim_next_ready(300'000, "test/slot-1");
  BOOST_REQUIRE(again);
  BOOST_TEST(again->id == id);
  BOOST_TEST(again->attempts == 2);
  BOOST_TEST(again->last_error->reason == "read error");  // kept for the report until it changes
  BOOST_TEST(!store.next_retry_at());
  BOOST_TEST(store.counters().retries_scheduled == 1u);
}

BOOST_AUTO_TEST_CASE(retries_become_due_in_time_order) {
  TempDir t;
  JobStore store(t.db());
  std::vector<std::string> ids;
  for (auto name : {"a.vmdk", "b.vmdk", "c.vmdk"}) ids.push_back(store.enqueue(draft(name), 0).id);
  for (int i = 0; i < 3; ++i) store.claim_next_ready(0, "test/slot-1");
  store.mark_retry_wait(ids[0], {ErrorKind::Io, "x", "copy"}, 3000);
  store.mark_retry_wait(ids[1], {ErrorKind::Io, "x", "copy"}, 1000);
  store.mark_retry_wait(ids[2], {ErrorKind::Io, "x", "copy"}, 2000);
  BOOST_TEST(store.next_retry_at().value_or(-1) == 1000);
  BOOST_TEST(store.claim_next_ready(1500, "test/slot-1")->id == ids[1]);
  BOOST_TEST(!store.claim_next_ready(1500, "test/slot-1"));
  BOOST_TEST(store.next_retry_at().value_or(-1) == 2000);
  BOOST_TEST(store.claim_next_ready(5000, "test/slot-1")->id == ids[0]);  // both due: enqueue order decides
  BOOST_TEST(store.claim_next_ready(5000, "test/slot-1")->id == ids[2]);
}

BOOST_AUTO_TEST_CASE(a_due_retry_keeps_its_place_but_not_above_a_higher_priority) {
  TempDir t;
  JobStore store(t.db());
  auto old_low = store.enqueue(draft("old-low.vmdk", JobPriority::Low), 0).id;
  auto old_normal = store.enqueue(draft("old-normal.vmdk"), 0).id;
  store.claim_next_ready(0, "test/slot-1");
  store.claim_next_ready(0, "test/slot-1");
  store.mark_retry_wait(old_normal, {ErrorKind::Timeout, "x", "guest"}, 100);
  store.mark_retry_wait(old_low, {ErrorKind::Timeout, "x", "guest"}, 100);
  store.enqueue(draft("new-normal.vmdk"), 50);
  store.enqueue(draft("new-high.vmdk", JobPriority::High), 60);
  const std::vector<std::string> expected{"new-high.vmdk", "old-normal.vmdk", "new-normal.vmdk", "old-low.vmdk"};
  BOOST_TEST(sources_of_claims(store, 200) == expected, boost::test_tools::per_element());
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(transitions_from_the_wrong_state_are_refused) {
  TempDir t;
  JobStore store(t.db());
  auto id = store.enqueue(draft("a.vmdk"), 0).id;
  BOOST_TEST(contains(storage_error_of([&] { store.mark_done(id, 1); }),
                      "cannot mark done job '" + id + "': it is queued, not running"));
  store.claim_next_ready(1, "test/slot-1");
  store.mark_failed(id, {ErrorKind::InvalidInput, "not a VMDK", "probe"}, 2);
  BOOST_TEST(contains(storage_error_of([&] { store.mark_retry_wait(id, {}, 5); }), "it is failed"));
  BOOST_TEST(contains(storage_error_of([&] { store.cancel(id, 3); }), "already failed"));
  BOOST_TEST(contains(storage_error_of([&] { store.mark_done("job-999", 1); }), "no job 'job-999'"));
  auto job = store.get(id);
  BOOST_TEST(job->state == JobState::Failed);
  BOOST_TEST(job->finished_at == 2);
  BOOST_TEST(job->last_error->kind == ErrorKind::InvalidInput);
}

BOOST_AUTO_TEST_CASE(cancelled_jobs_are_never_claimed) {
  TempDir t;
  JobStore store(t.db());
  auto a = store.enqueue(draft("a.vmdk"), 0).id;
  auto b = store.enqueue(draft("b.vmdk"), 0).id;
  auto c = store.enqueue(draft("c.vmdk"), 0).id;
  store.cancel(a, 1);
  store.claim_next_ready(2, "test/slot-1");  // b
  store.mark_retry_wait(b, {ErrorKind::Io, "x", "copy"}, 10);
  store.cancel(b, 3);
  BOOST_TEST(store.claim_next_ready(100, "test/slot-1")->id == c);
  BOOST_TEST(!store.claim_next_ready(100, "test/slot-1"));
  BOOST_TEST(store.counters().by_state.cancelled == 2u);
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(dedup_entries_only_for_successful_conversions) {
  TempDir t;
  JobStore store(t.db());
  auto ok = store.enqueue(draft("ok.vmdk", JobPriority::Normal, "name_size:ok.vmdk:10"), 0).id;
  auto bad = store.enqueue(draft("bad.vmdk", JobPriority::Normal, "name_size:bad.vmdk:10"), 0).id;
  auto wait = store.enqueue(draft("wait.vmdk", JobPriority::Normal, "name_size:wait.vmdk:10"), 0).id;
  auto stopped = store.enqueue(draft("stopped.vmdk", JobPriority::Normal, "name_size:stopped.vmdk:10"), 0).id;
  auto nokey = store.enqueue(draft("nokey.vmdk"), 0).id;
  for (int i = 0; i < 5; ++i) store.claim_next_ready(1, "test/slot-1");
  store.mark_done(ok, 2);
  store.mark_failed(bad, {ErrorKind::Unsupported, "differencing disk", "probe"}, 2);
  store.mark_retry_wait(wait, {ErrorKind::Io, "x", "copy"}, 100);
  store.cancel(stopped, 2);
  store.mark_done(nokey, 2);

  auto dedup = store.dedup_index();
  BOOST_TEST(dedup.find("name_size:ok.vmdk:10").value_or("") == ok);
  BOOST_TEST(!dedup.find("name_size:bad.vmdk:10"));
  BOOST_TEST(!dedup.find("name_size:wait.vmdk:10"));
  BOOST_TEST(!dedup.find("name_size:stopped.vmdk:10"));
  BOOST_TEST(dedup.size() == 1u);

  BOOST_TEST(dedup.forget("name_size:ok.vmdk:10"));   // "force reprocessing"
  BOOST_TEST(!dedup.forget("name_size:ok.vmdk:10"));
  BOOST_TEST(!dedup.find("name_size:ok.vmdk:10"));
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(dedup_entries_survive_a_reopen) {
  TempDir t;
  std::string id;
  {
    JobStore store(t.db());
    id = store.enqueue(draft("a.vmdk", JobPriority::Normal, "md5:aa"), 0).id;
    store.claim_next_ready(0, "test/slot-1");
    store.mark_done(id, 1);
  }
  JobStore store(t.db());
  auto entries = store.dedup_index().entries();
  BOOST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0].first == "md5:aa");
  BOOST_TEST(entries[0].second == id);
}

BOOST_AUTO_TEST_CASE(recovery_requeues_interrupted_jobs_and_completes_published_ones) {
  TempDir t;
  const fs::path out = t.path / "output";
  std::string a, b, c, d;
  {
    JobStore store(t.db());
    a = store.enqueue(draft("web01.ova", JobPriority::Normal, "md5:web01"), 0).id;
    b = store.enqueue(draft("web02.ova", JobPriority::Normal, "md5:web02"), 0).id;
    c = store.enqueue(draft("web03.ova"), 0).id;
    d = store.enqueue(draft("web04.ova"), 0).id;
    auto on_disk = [&](const fs::path& rel) { return fs::exists(out / rel); };
    store.claim_next_ready(10, "test/slot-1");
    store.reserve_output(a, "2026-12-03", "web01", on_disk);
    store.begin_publish(a);
    store.claim_next_ready(10, "test/slot-2");
    store.reserve_output(b, "2026-12-03", "web02", on_disk);  // never published
    store.claim_next_ready(10, "test/slot-3");
    store.mark_retry_wait(c, {ErrorKind::Io, "x", "copy"}, 10'000);
    // a published its folder, then the daemon died before mark_done.
    fs::create_directories(out / "2026-12-03" / "web01");
    // The store goes away without any job being marked: what a crash leaves.
  }
  JobStore store(t.db());
  BOOST_TEST(store.counters().by_state.running == 2u);
  auto r = store.recover_after_crash(100, [&](const fs::path& rel) { return fs::exists(out / rel); },
                                     [](const Job&) { return std::string(".processed/2026-12-03"); });
  BOOST_TEST(r.completed == std::vector<std::string>{a}, boost::test_tools::per_element());
  BOOST_TEST(r.requeued == std::vector<std::string>{b}, boost::test_tools::per_element());
  BOOST_TEST(store.get(a)->state == JobState::Done);
  BOOST_TEST(store.get(a)->finished_at == 100);
  BOOST_TEST(store.get(a)->archive_pending == ".processed/2026-12-03");
  BOOST_TEST(store.dedup_index().find("md5:web01").value_or("") == a);  // counts as converted
  BOOST_TEST(!store.dedup_index().find("md5:web02"));
  BOOST_TEST(store.get(c)->state == JobState::RetryWait);                // untouched
  BOOST_TEST(store.counters().by_state.running == 0u);
  // b runs again (its original place: before d), c when due; a never again.
  auto next = store.claim_next_ready(100, "test/slot-1");
  BOOST_TEST(next->id == b);
  BOOST_TEST(next->attempts == 2);
  BOOST_TEST(next->interrupted == 1);
  BOOST_TEST(store.claim_next_ready(100, "test/slot-1")->id == d);
  BOOST_TEST(!store.claim_next_ready(100, "test/slot-1"));
  BOOST_TEST(store.claim_next_ready(100'000, "test/slot-1")->id == c);
  BOOST_TEST(store.check_consistency().empty());
  auto no_output = [](const fs::path&) { return false; };
  auto no_archive = [](const Job&) { return std::string(); };
  BOOST_TEST(store.recover_after_crash(200, no_output, no_archive).requeued.size() == 3u);  // b, d, c were running
}

BOOST_AUTO_TEST_CASE(recovery_with_nothing_running_changes_nothing) {
  TempDir t;
  JobStore store(t.db());
  store.enqueue(draft("a.vmdk"), 0);
  auto r = store.recover_after_crash(1, [](const fs::path&) { return true; }, [](const Job&) { return "x"; });
  BOOST_TEST(r.requeued.empty());
  BOOST_TEST(r.completed.empty());
  BOOST_TEST(store.counters().by_state.queued == 1u);
}

BOOST_AUTO_TEST_CASE(put_moves_a_queued_job_to_its_new_priority) {
  TempDir t;
  JobStore store(t.db());
  auto a = store.enqueue(draft("a.vmdk", JobPriority::Low), 0);
  store.enqueue(draft("b.vmdk"), 0);
  a.priority = JobPriority::High;
  store.put(a);
  const std::vector<std::string> expected{"a.vmdk", "b.vmdk"};
  BOOST_TEST(sources_of_claims(store, 1) == expected, boost::test_tools::per_element());
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(list_and_counters_follow_the_states) {
  TempDir t;
  JobStore store(t.db());
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(store.enqueue(draft("f" + std::to_string(i) + ".vmdk"), 0).id);
  for (int i = 0; i < 4; ++i) store.claim_next_ready(1, "test/slot-1");
  store.mark_done(ids[0], 2);
  store.mark_failed(ids[1], {ErrorKind::GuestFix, "x", "guest"}, 2);
  store.mark_retry_wait(ids[2], {ErrorKind::Io, "x", "copy"}, 50);
  store.cancel(ids[4], 2);
  auto c = store.counters();
  BOOST_TEST(c.by_state.done == 1u);
  BOOST_TEST(c.by_state.failed == 1u);
  BOOST_TEST(c.by_state.retry_wait == 1u);
  BOOST_TEST(c.by_state.running == 1u);
  BOOST_TEST(c.by_state.cancelled == 1u);
  BOOST_TEST(c.by_state.queued == 1u);
  BOOST_TEST(c.by_state.total() == 6u);
  BOOST_TEST(store.list(JobState::Running).front().id == ids[3]);
  BOOST_TEST(store.list(JobState::Queued).front().id == ids[5]);
  BOOST_TEST(store.list(JobState::Done).front().id == ids[0]);
}

BOOST_AUTO_TEST_CASE(a_second_store_on_the_same_database_is_refused) {
  TempDir t;
  JobStore first(t.db());
  const auto err = storage_error_of([&] { JobStore second(t.db()); });
  BOOST_TEST(contains(err, t.db().string()));
  BOOST_TEST(contains(err, "another hyper2kvm daemon"));
}

BOOST_AUTO_TEST_CASE(queue_keys_sort_by_priority_then_sequence) {
  Job high, normal;
  high.id = normal.id = "x";
  high.priority = JobPriority::High;
  high.enqueue_seq = 900;
  normal.enqueue_seq = 2;
  BOOST_TEST(keys::index_keys(high)[1] < keys::index_keys(normal)[1]);
  Job early = normal, late = normal;
  early.enqueue_seq = 9;
  late.enqueue_seq = 10;  // 10 < 9 as text unless padded
  BOOST_TEST(keys::index_keys(early)[1] < keys::index_keys(late)[1]);
  BOOST_TEST(keys::index_keys(early)[1] == "queue/1/00000000000000000009/x");
}

BOOST_AUTO_TEST_CASE(ten_thousand_jobs_each_claimed_exactly_once_in_order) {
  TempDir t;
  // Correctness at volume (order, exactly once, indexes), not durability:
  // that is the crash tests' subject, so no fsync per write here (17,500
  // synced writes would take minutes on a busy disk for nothing more).
  JobStore store(t.db(), JobStoreOptions{.sync_writes = false});
  std::mt19937 rng(42);
  std::vector<NewJob> drafts;
  for (int i = 0; i < 10'000; ++i) {
    static const JobPriority prios[] = {JobPriority::Low, JobPriority::Normal, JobPriority::High};
    drafts.push_back(draft("vm" + std::to_string(i) + ".vmdk", prios[rng() % 3]));
  }
  // Half in one batch (a start-up scan), half one by one.
  std::vector<NewJob> first(drafts.begin(), drafts.begin() + 5000);
  store.enqueue_all(first, 1);
  for (int i = 5000; i < 10'000; ++i) store.enqueue(drafts[i], 2);
  BOOST_TEST(store.counters().by_state.queued == 10'000u);

  std::set<std::string> seen;
  std::pair<int, std::uint64_t> last{-1, 0};
  bool ordered = true;
  int claimed = 0;
  while (auto job = store.claim_next_ready(3, "test/slot-1")) {
    ++claimed;
    seen.insert(job->id);
    const std::pair<int, std::uint64_t> key{keys::priority_rank(job->priority), job->enqueue_seq};
    if (key < last) ordered = false;
    last = key;
    if (claimed % 2 == 0) store.mark_done(job->id, 4);
  }
  BOOST_TEST(claimed == 10'000);
  BOOST_TEST(seen.size() == 10'000u);
  BOOST_TEST(ordered);
  auto c = store.counters();
  BOOST_TEST(c.by_state.queued == 0u);
  BOOST_TEST(c.by_state.done == 5000u);
  BOOST_TEST(c.by_state.running == 5000u);
  BOOST_TEST(store.check_consistency().empty());
}

BOOST_AUTO_TEST_SUITE_END()
