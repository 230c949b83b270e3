// Nodes that cannot use the cluster's share (not mounted at their
// share_root, another share mounted there, or a hung mount), as the
// coordinator's JobScheduler sees them through node_hello / node_status:
// no job goes to them; a failure one reports meanwhile is queued again,
// not charged; its running jobs move once that lasts node_timeout; it takes
// jobs again once it sees the share.
#include "tests/unit/scheduler/scheduler_test_support.hpp"

using namespace h2k;
using namespace h2k::scheduler_test;

namespace {

constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;
constexpr std::int64_t kNodeTimeout = 10'000;
const std::string kShare = "5f0c2a9e41b7d3c8";

void as_coordinator(Daemon& d) {
  d.settings.slots = 0;
  d.settings.node = "coord";
  d.settings.node_timeout_ms = kNodeTimeout;
  d.settings.share_id = kShare;
}

msg::share_view sees(const std::string& id) { return msg::share_view{id, ""}; }
msg::share_view missing() { return msg::share_view{"", "/mnt/h2k/.hyper2kvm-share is missing: not mounted"}; }

msg::node_hello hello(const std::string& name, std::uint64_t scratch_free, msg::share_view share) {
  msg::node_hello h;
  h.node_name = name;
  h.incarnation = "inc-" + name;
  h.roles = {"converter"};
  h.scratch_free_bytes = scratch_free;
  h.slots.resize(1);
  h.share = std::move(share);
  return h;
}

msg::node_status status(const std::string& name, std::uint64_t scratch_free, msg::share_view share) {
  msg::node_status s{name, "inc-" + name, scratch_free, 0};
  s.share = std::move(share);
  return s;
}

// A coordinator with node-a (seeing the share) running vm1.ova's job: its id.
std::string one_job_on_node_a(Daemon& d) {
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("node-a", 1000 * kGiB, sees(kShare)), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "node-a/slot-1");
  return id;
}

json node_entry(Daemon& d, const std::string& name, std::int64_t now_ms) {
  const auto reply = d.control("nodes", json::object(), now_ms);
  for (const auto& n : reply.body["nodes"])
    if (n.value("name", std::string()) == name) return n;
  BOOST_FAIL("no node " << name);
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(share_health)

BOOST_AUTO_TEST_CASE(a_node_that_does_not_see_the_share_gets_no_job_until_it_does) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  // node-a has far more scratch (it would be picked first) but no share.
  d.sched->on_node_hello(hello("node-a", 1000 * kGiB, missing()), kT0);
  d.sched->on_node_hello(hello("node-b", 10 * kGiB, sees(kShare)), kT0);
  const std::string j1 = d.found("vm1.ova", kT0);
  const std::string j2 = d.found("vm2.ova", kT0);
  BOOST_TEST(d.job(j1).holder == "node-b/slot-1");
  BOOST_TEST(d.state_of(j2) == JobState::Queued, "node-b's one slot is busy and node-a has no share");
  json a = node_entry(d, "node-a", kT0);
  BOOST_TEST(a["health"] == "no-share");
  BOOST_TEST(a["share_problem"].get<std::string>().find("not mounted") != std::string::npos);
  BOOST_TEST(d.sched->cluster_state(kT0).nodes.size() >= 2u);

  // Another share mounted there: its marker's id is not the coordinator's.
  BOOST_TEST(d.sched->on_node_status(status("node-a", 1000 * kGiB, sees("0123456789abcdef")), kT0 + kSecond));
  d.commit(d.sched->on_tick(kT0 + kSecond));
  BOOST_TEST(d.state_of(j2) == JobState::Queued);
  a = node_entry(d, "node-a", kT0 + kSecond);
  BOOST_TEST(a["share_problem"].get<std::string>().find("0123456789abcdef") != std::string::npos);

  // Mounted: the next tick gives it the queued job.
  BOOST_TEST(d.sched->on_node_status(status("node-a", 1000 * kGiB, sees(kShare)), kT0 + 2 * kSecond));
  d.commit(d.sched->on_tick(kT0 + 2 * kSecond));
  BOOST_TEST(d.job(j2).holder == "node-a/slot-1");
  BOOST_TEST(node_entry(d, "node-a", kT0 + 2 * kSecond)["health"] == "up");
}

BOOST_AUTO_TEST_CASE(a_failure_reported_while_the_share_is_gone_is_queued_again_not_charged) {
  Daemon d(0);
  const std::string id = one_job_on_node_a(d);
  // The link reads the share after the failure and reports first.
  BOOST_TEST(d.sched->on_node_status(status("node-a", 1000 * kGiB, missing()), kT0 + kSecond));
  d.report(failed(id, "io_error", "cannot open the source: No such file or directory"), kT0 + kSecond);
  Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Queued);
  BOOST_TEST(job.charged_attempts() == 0);
  BOOST_TEST(job.interrupted == 1);
  // The same failure with the share in place is the job's own (charged).
  d.sched->on_node_hello(hello("node-b", 10 * kGiB, sees(kShare)), kT0 + 2 * kSecond);
  BOOST_TEST_REQUIRE(d.job(id).holder == "node-b/slot-1");
  d.report(failed(id, "io_error", "cannot open the source: No such file or directory"), kT0 + 3 * kSecond);
  job = d.job(id);
  BOOST_TEST(job.state == JobState::RetryWait);
  BOOST_TEST(job.charged_attempts() == 1);
}

BOOST_AUTO_TEST_CASE(running_jobs_move_once_the_share_is_gone_for_node_timeout) {
  Daemon d(0);
  const std::string id = one_job_on_node_a(d);
  const std::uint64_t epoch = d.lease(id).epoch;
  d.sched->on_node_hello(hello("node-b", 10 * kGiB, sees(kShare)), kT0);
  // A hung mount: the node is heard from, its share not.
  const msg::share_view hung{kShare, "cluster.share_root did not answer a read of its marker for 12 s"};
  const std::int64_t t = kT0 + kSecond;
  BOOST_TEST(d.sched->on_node_status(status("node-a", 1000 * kGiB, hung), t));
  BOOST_TEST(d.sched->on_node_status(status("node-a", 1000 * kGiB, hung), t + kNodeTimeout));
  BOOST_TEST(d.sched->on_node_status(status("node-b", 10 * kGiB, sees(kShare)), t + kNodeTimeout));
  auto fx = d.commit(d.sched->on_tick(t + kNodeTimeout));
  BOOST_TEST(d.job(id).holder == "node-a/slot-1", "not before node_timeout has passed");
  BOOST_TEST(d.sched->on_node_status(status("node-a", 1000 * kGiB, hung), t + kNodeTimeout + 1));
  fx = d.commit(d.sched->on_tick(t + kNodeTimeout + 1));
  BOOST_TEST(fx.cancels.size() == 1u, "the stuck attempt is cancelled");
  const Job job = d.job(id);
  BOOST_TEST(job.holder == "node-b/slot-1");
  BOOST_TEST(job.epoch == epoch + 1);
  BOOST_TEST(job.interrupted == 1);
  BOOST_TEST(job.charged_attempts() == 1, "only the attempt now running on node-b counts");
  // node-a stays a member (it is heard from), and its late report is stale.
  BOOST_TEST(node_entry(d, "node-a", t + kNodeTimeout + 2)["health"] == "no-share");
  msg::job_outcome late = failed(id, "io_error");
  late.epoch = epoch;
  late.holder = "node-a/slot-1";
  d.commit(d.sched->on_outcome(late, t + kNodeTimeout + 3));
  BOOST_TEST(d.job(id).holder == "node-b/slot-1");
  BOOST_TEST(d.job(id).interrupted == 1);
}

BOOST_AUTO_TEST_CASE(an_export_written_where_the_share_was_not_is_exported_again_not_charged) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  msg::node_hello exp = hello("exp-1", 100 * kGiB, sees(kShare));
  exp.roles = {"exporter"};
  exp.slots.clear();
  exp.export_slots.resize(1);
  d.sched->on_node_hello(exp, kT0);
  SchedulerEffects fx;
  auto r = d.control("convert-vm", {{"vm", "web01"}, {"vcenter", "vc.example:8989"}, {"username", "admin"}}, kT0, fx);
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  const std::string id = r.body["job"]["id"].get<std::string>();
  BOOST_TEST_REQUIRE(d.job(id).holder == "exp-1/export-1");
  // Its mount went under the export: the files are not in the share.
  msg::job_outcome o = d.exported(id, "web01");
  fs::remove_all(d.watch / ".exports");
  BOOST_TEST(d.sched->on_node_status(status("exp-1", 100 * kGiB, missing()), kT0 + kSecond));
  d.commit(d.sched->on_outcome(o, kT0 + kSecond));
  const Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Queued);
  BOOST_TEST(job.needs_export());
  BOOST_TEST(job.interrupted == 1);
  BOOST_TEST(job.charged_attempts() == 0);
}

BOOST_AUTO_TEST_CASE(without_a_share_id_nothing_is_checked) {
  Daemon d(0);
  as_coordinator(d);
  d.settings.share_id.clear();
  d.boot(kT0);
  d.sched->on_node_hello(hello("node-a", 1000 * kGiB, missing()), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST(d.job(id).holder == "node-a/slot-1");
}

// Roles [coordinator, converter]: the coordinator's own slot is held to the
// check as a node's is, by what its scheduler actor reads at its own share_root.
BOOST_AUTO_TEST_CASE(the_coordinators_own_slots_are_held_to_the_share_check_too) {
  Daemon d(1);
  as_coordinator(d);
  d.settings.slots = 1;
  d.settings.share_root = d.dir / "share";
  d.boot(kT0);
  BOOST_TEST_REQUIRE(d.sched->checks_own_share());
  BOOST_TEST(d.sched->is_own_holder("coord/slot-1"));
  BOOST_TEST(!d.sched->is_own_holder("node-a/slot-1"));
  // Its share went away (unmounted under the running daemon).
  d.commit(d.sched->on_own_share(missing(), kT0));
  const std::string j1 = d.found("vm1.ova", kT0);
  BOOST_TEST(d.state_of(j1) == JobState::Queued, "its own slot is free, but it cannot use the share");
  BOOST_TEST(node_entry(d, "coord", kT0)["health"] == "no-share");
  // A node that sees the share takes the job.
  d.sched->on_node_hello(hello("node-a", 10 * kGiB, sees(kShare)), kT0 + kSecond);
  BOOST_TEST(d.job(j1).holder == "node-a/slot-1");
  // Back: its own slot takes the next job at once.
  d.commit(d.sched->on_own_share(sees(kShare), kT0 + 2 * kSecond));
  const std::string j2 = d.found("vm2.ova", kT0 + 2 * kSecond);
  BOOST_TEST(d.job(j2).holder == "coord/slot-1");
  // Lost again, and its job fails for it (the scheduler actor reads the
  // share before it passes the failure on): queued again, not charged.
  d.commit(d.sched->on_own_share(missing(), kT0 + 3 * kSecond));
  d.report(failed(j2, "io_error", "cannot open the source: No such file or directory"), kT0 + 3 * kSecond);
  const Job job = d.job(j2);
  BOOST_TEST(job.state == JobState::Queued);
  BOOST_TEST(job.charged_attempts() == 0);
  BOOST_TEST(job.interrupted == 1);
}

BOOST_AUTO_TEST_CASE(the_coordinators_own_slots_are_not_checked_without_its_share_root) {
  Daemon d(1);
  as_coordinator(d);
  d.settings.slots = 1;
  d.boot(kT0);
  BOOST_TEST(!d.sched->checks_own_share());
  d.commit(d.sched->on_own_share(missing(), kT0));
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST(d.job(id).holder == "coord/slot-1");
}

// A coordinator that converts nothing reads its share too (it moves files
// there): a job failing for good while the share is not mounted there keeps
// its files, known, until it is back; then they go to .errors/ with the
// report. A watcher's report of files it cannot see is left to the caller
// (the scheduler actor holds it until a read of the share says it is there).
BOOST_AUTO_TEST_CASE(a_coordinator_without_slots_sets_a_failed_jobs_files_aside_only_with_its_share) {
  Daemon d(0);
  as_coordinator(d);
  d.settings.share_root = d.dir.path();  // the queue is d.dir/queue
  d.boot(kT0);
  BOOST_TEST_REQUIRE(d.sched->watches_own_share());
  BOOST_TEST(!d.sched->checks_own_share(), "no slots of its own to hold back");
  BOOST_TEST(d.sched->own_share_ok(), "usable until a read says otherwise (the start checked it)");
  d.sched->on_node_hello(hello("node-a", 10 * kGiB, sees(kShare)), kT0);
  const std::string id = d.found("broken.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "node-a/slot-1");

  d.commit(d.sched->on_own_share(missing(), kT0 + kSecond));
  BOOST_TEST(!d.sched->own_share_ok());
  const auto st = d.control("status", json::object(), kT0 + kSecond);
  BOOST_TEST(st.body["share_problem"].get<std::string>().find("not mounted") != std::string::npos);
  d.report(failed(id, "invalid_input", "broken.ova: not a tar archive"), kT0 + 2 * kSecond);
  BOOST_TEST(d.state_of(id) == JobState::Failed);
  BOOST_TEST(fs::exists(d.watch / "broken.ova"), "moved while the share was away");
  BOOST_TEST(!fs::exists(d.watch / ".errors" / "broken.ova.error.json"));
  BOOST_TEST(d.sched->failures_awaiting_share() == 1u);
  BOOST_TEST(d.control("status", json::object(), kT0 + 2 * kSecond).body["failures_awaiting_share"] == 1);
  // Its files stay known: a watcher reporting them makes no new job.
  msg::vm_found again;
  again.sources = {"broken.ova"};
  again.file_type = "ova";
  BOOST_TEST(d.sched->on_found(again, kT0 + 3 * kSecond).events.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 1u);

  // Back: set aside, with the report, and recorded where they went.
  d.commit(d.sched->on_own_share(sees(kShare), kT0 + 4 * kSecond));
  BOOST_TEST(d.sched->own_share_ok());
  BOOST_TEST(d.sched->failures_awaiting_share() == 0u);
  BOOST_TEST(!fs::exists(d.watch / "broken.ova"));
  BOOST_TEST(fs::exists(d.watch / ".errors" / "broken.ova"));
  const json report = read_json(d.watch / ".errors" / "broken.ova.error.json");
  BOOST_TEST(report["error_kind"] == "invalid_input");
  BOOST_TEST(d.job(id).sources.front() == ".errors/broken.ova");

  // Files that are not there: told to the caller, nothing done; without
  // the out-parameter, dropped as before (gone from the queue).
  msg::vm_found gone;
  gone.sources = {"gone.ova"};
  gone.file_type = "ova";
  bool is_missing = false;
  BOOST_TEST(d.sched->on_found(gone, kT0 + 5 * kSecond, &is_missing).events.empty());
  BOOST_TEST(is_missing);
  BOOST_TEST(d.sched->on_found(gone, kT0 + 5 * kSecond).events.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 1u);
}

// A job that is queued again (retry-job) while its files wait is no longer
// failed: the share coming back does not move its files.
BOOST_AUTO_TEST_CASE(a_failed_job_queued_again_while_its_files_wait_keeps_them) {
  Daemon d(0);
  as_coordinator(d);
  d.settings.share_root = d.dir.path();
  d.boot(kT0);
  d.sched->on_node_hello(hello("node-a", 10 * kGiB, sees(kShare)), kT0);
  const std::string id = d.found("broken.ova", kT0);
  d.commit(d.sched->on_own_share(missing(), kT0 + kSecond));
  d.report(failed(id, "invalid_input", "broken.ova: not a tar archive"), kT0 + 2 * kSecond);
  BOOST_TEST_REQUIRE(d.state_of(id) == JobState::Failed);
  const auto r = d.control("retry-job", json{{"job_id", id}}, kT0 + 3 * kSecond);
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  d.commit(d.sched->on_own_share(sees(kShare), kT0 + 4 * kSecond));
  BOOST_TEST(fs::exists(d.watch / "broken.ova"));
  BOOST_TEST(!fs::exists(d.watch / ".errors" / "broken.ova.error.json"));
  BOOST_TEST(d.state_of(id) != JobState::Failed);
}

BOOST_AUTO_TEST_SUITE_END()
