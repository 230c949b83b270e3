// Cluster scheduling in JobScheduler, without actors: remote nodes register
// (node_hello) with their slots, and jobs go to the free slot of the node
// with the most free scratch per running job; a node that is lost (its
// connection dropped, or silent past node_timeout) gives its jobs back
// uncharged and whatever it sends later is stale; a node that registers
// again keeps its leases only as the same process; after a coordinator
// restart, leases of remote nodes wait hold_remote_leases_ms for their node
// to claim them; the operator drains and undrains nodes. The coordinator of
// these tests converts nothing itself (slots = 0, node "coord").
#include "tests/unit/scheduler/scheduler_test_support.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "actors/scheduler/job_needs.hpp"
#include "actors/scheduler/staging_sweep.hpp"
#include "actors/scheduler/tick_gap_credit.hpp"

using namespace h2k;
using namespace h2k::scheduler_test;

namespace {

constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;
constexpr std::int64_t kNodeTimeout = 10'000;

// A coordinator that converts nothing itself.
void as_coordinator(Daemon& d, std::int64_t hold_remote_leases_ms = 0) {
  d.settings.slots = 0;
  d.settings.node = "coord";
  d.settings.node_timeout_ms = kNodeTimeout;
  d.settings.hold_remote_leases_ms = hold_remote_leases_ms;
}

msg::node_hello hello(const std::string& name, const std::string& incarnation, std::size_t slots,
                      std::uint64_t scratch_free, std::vector<msg::lease_ref> leases = {}) {
  msg::node_hello h;
  h.node_name = name;
  h.incarnation = incarnation;
  h.roles = {"converter"};
  h.host = name + ".example:7100";
  h.scratch_free_bytes = scratch_free;
  h.accel = "kvm";
  h.slots.resize(slots);  // invalid handles: only their count matters here
  h.leases = std::move(leases);
  return h;
}

msg::node_status status(const std::string& name, const std::string& incarnation, std::uint64_t scratch_free,
                        std::uint32_t busy = 0) {
  return msg::node_status{name, incarnation, scratch_free, busy};
}

std::string node_of(const std::string& holder) { return holder.substr(0, holder.rfind("/slot-")); }

// The entry of `name` in the "nodes" reply.
json node_entry(const json& nodes, const std::string& name) {
  for (const auto& n : nodes)
    if (n.value("name", std::string()) == name) return n;
  BOOST_FAIL("no node '" << name << "' in " << nodes.dump());
  return {};
}

std::vector<fs::path> error_reports(const fs::path& errors) {
  std::vector<fs::path> out;
  if (!fs::exists(errors)) return out;
  for (const auto& e : fs::directory_iterator(errors)) {
    const std::string n = e.path().filename().string();
    if (n.size() > 11 && n.compare(n.size() - 11, 11, ".error.json") == 0) out.push_back(e.path());
  }
  return out;
}

fs::path make_staging(const fs::path& dir, const std::string& vm, const std::string& job, std::uint64_t epoch,
                      const std::string& instance) {
  const fs::path p = dir / ("." + vm + ".partial-" + staging_tag(job, epoch, instance));
  write_file(p / "disk.qcow2.part", "half a disk");
  return p;
}

// node-a (the most scratch) and node-b, one slot each; vm1.ova leased to
// node-a, which reserved its output folder, staged it there and was allowed
// to publish it (the permission recorded in the store).
struct AllowedToPublish {
  std::string id;
  std::string folder;  // relative to the output root
  fs::path staging;
};

// A coordinator with node-a (the most scratch) and node-b, one slot each.
// `share_id`: the coordinator checks the share (its own too, at d.dir) and
// both nodes see it.
void coordinator_with_nodes_a_and_b(Daemon& d, const std::string& share_id = "") {
  as_coordinator(d);
  d.settings.share_id = share_id;
  if (!share_id.empty()) {
    d.settings.share_root = d.dir.path();
    write_file(d.dir / ".hyper2kvm-share", share_id + "\n");  // what the coordinator made at its first start
  }
  d.boot(kT0);
  auto a = hello("node-a", "inc-a", 1, 1000 * kGiB);
  auto b = hello("node-b", "inc-b", 1, 100 * kGiB);
  a.share = b.share = msg::share_view{share_id, ""};
  d.sched->on_node_hello(a, kT0);
  d.sched->on_node_hello(b, kT0);
}

AllowedToPublish allowed_to_publish_on_node_a(Daemon& d, const std::string& share_id = "") {
  coordinator_with_nodes_a_and_b(d, share_id);
  AllowedToPublish r;
  r.id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(r.id).holder == "node-a/slot-1");
  r.folder = d.plan(r.id, "vm1", kT0 + kSecond);
  BOOST_TEST_REQUIRE(!r.folder.empty());
  r.staging = make_staging(d.out / fs::path(r.folder).parent_path(), "vm1", r.id, 1, d.store->instance_id());
  BOOST_TEST_REQUIRE(r.staging == staging_folder(d.out, r.folder, staging_tag(r.id, 1, d.store->instance_id())));
  SchedulerEffects fx;
  BOOST_TEST_REQUIRE(d.sched->on_publish({r.id, 1, "node-a/slot-1"}, kT0 + 2 * kSecond, fx));
  BOOST_TEST_REQUIRE(d.job(r.id).publishing_epoch == 1u);
  return r;
}

// Two converter nodes of 2 slots and equal scratch, then 4 VMs: returns the
// job ids in the order found and every assignment made.
struct TwoNodes {
  std::vector<std::string> ids;
  std::map<std::string, msg::job_assignment> by_job;
  std::vector<std::pair<std::size_t, msg::job_assignment>> assignments;
};

TwoNodes two_nodes_four_vms(Daemon& d, std::int64_t now) {
  TwoNodes r;
  auto j1 = d.sched->on_node_hello(hello("conv1", "inc-1", 2, 100 * kGiB), now);
  auto j2 = d.sched->on_node_hello(hello("conv2", "inc-2", 2, 100 * kGiB), now);
  BOOST_TEST_REQUIRE(j1.welcome.accepted);
  BOOST_TEST_REQUIRE(j2.welcome.accepted);
  BOOST_TEST(j1.fx.assignments.empty());
  BOOST_TEST(j2.fx.assignments.empty());
  for (const char* name : {"vm1.ova", "vm2.ova", "vm3.ova", "vm4.ova"}) {
    SchedulerEffects fx;
    r.ids.push_back(d.found(name, now, "normal", "", &fx));
    BOOST_TEST_REQUIRE(fx.assignments.size() == 1u, name << " was not assigned at once");
    r.assignments.push_back(fx.assignments.front());
    r.by_job[fx.assignments.front().second.job_id] = fx.assignments.front().second;
  }
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scheduler_nodes)

// 1.
BOOST_AUTO_TEST_CASE(two_nodes_of_equal_scratch_share_four_jobs_two_each) {
  Daemon d(0);
  as_coordinator(d);
  auto boot = d.boot(kT0);
  BOOST_TEST(boot.assignments.empty());
  BOOST_TEST(d.sched->slot_count() == 0u);

  auto j1 = d.sched->on_node_hello(hello("conv1", "inc-1", 2, 100 * kGiB), kT0);
  auto j2 = d.sched->on_node_hello(hello("conv2", "inc-2", 2, 100 * kGiB), kT0);
  BOOST_TEST(j1.welcome.accepted);
  BOOST_TEST(j1.welcome.revoked.empty());
  BOOST_TEST(j1.slot_indices == (std::vector<std::size_t>{0, 1}), boost::test_tools::per_element());
  BOOST_TEST(j2.slot_indices == (std::vector<std::size_t>{2, 3}), boost::test_tools::per_element());
  BOOST_TEST(d.sched->slot_count() == 4u);

  std::map<std::string, int> per_node;
  std::set<std::string> holders;
  std::vector<std::string> order;
  for (const char* name : {"vm1.ova", "vm2.ova", "vm3.ova", "vm4.ova"}) {
    SchedulerEffects fx;
    const std::string id = d.found(name, kT0 + kSecond, "normal", "", &fx);
    BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
    const auto& [slot, a] = fx.assignments.front();
    BOOST_TEST(a.job_id == id);
    BOOST_TEST(a.epoch == 1u);
    BOOST_TEST(a.holder == d.sched->holder_of(slot));
    BOOST_TEST(!d.sched->slot_is_local(slot));
    BOOST_TEST(d.sched->node_of_slot(slot) == node_of(a.holder));
    const Job job = d.job(id);
    BOOST_TEST(job.state == JobState::Running);
    BOOST_TEST(job.holder == a.holder);
    BOOST_TEST(job.epoch == 1u);
    ++per_node[node_of(a.holder)];
    holders.insert(a.holder);
    order.push_back(node_of(a.holder));
  }
  BOOST_TEST(per_node["conv1"] == 2);
  BOOST_TEST(per_node["conv2"] == 2);
  BOOST_TEST(holders == (std::set<std::string>{"conv1/slot-1", "conv1/slot-2", "conv2/slot-1", "conv2/slot-2"}),
             boost::test_tools::per_element());
  // Spread, not one node filled first.
  BOOST_TEST(order[0] != order[1]);
  BOOST_TEST(d.sched->running() == 4u);

  auto st = d.control("status", json::object(), kT0 + 2 * kSecond);
  BOOST_TEST(st.ok);
  BOOST_TEST(st.body["cluster"] == true);
  BOOST_TEST(st.body["nodes_up"] == 2);
  BOOST_TEST(st.body["nodes_total"] == 2);
  BOOST_TEST(st.body["max_concurrent_jobs"] == 4);
  BOOST_TEST(st.body["running"] == 4);
  BOOST_TEST(st.body["leases_awaiting_nodes"] == 0);
}

// 2.
BOOST_AUTO_TEST_CASE(the_node_with_the_most_free_scratch_per_running_job_gets_the_next_job) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("node-a", "inc-a", 3, 1000 * kGiB), kT0);
  d.sched->on_node_hello(hello("node-b", "inc-b", 3, 400 * kGiB), kT0);

  SchedulerEffects fx;
  const std::string first = d.found("vm1.ova", kT0, "normal", "", &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.holder == "node-a/slot-1");  // 1000 > 400

  // One running on A: 1000 / 2 = 500 > 400: A again.
  const std::string second = d.found("vm2.ova", kT0, "normal", "", &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.job_id == second);
  BOOST_TEST(fx.assignments.front().second.holder == "node-a/slot-2");

  // Two running on A: 1000 / 3 = 333 < 400: B.
  const std::string third = d.found("vm3.ova", kT0, "normal", "", &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.job_id == third);
  BOOST_TEST(fx.assignments.front().second.holder == "node-b/slot-1");
  BOOST_TEST(d.job(first).holder == "node-a/slot-1");

  // The heartbeat's figure counts, not the hello's: A reports 2000 (2000 / 3 = 666 > 400 / 2).
  BOOST_TEST(d.sched->on_node_status(status("node-a", "inc-a", 2000 * kGiB, 2), kT0 + kSecond));
  const std::string fourth = d.found("vm4.ova", kT0 + kSecond, "normal", "", &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.job_id == fourth);
  BOOST_TEST(fx.assignments.front().second.holder == "node-a/slot-3");
}

BOOST_AUTO_TEST_CASE(one_job_on_a_with_half_its_scratch_below_b_sends_the_next_to_b) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("node-a", "inc-a", 2, 1000 * kGiB), kT0);
  d.sched->on_node_hello(hello("node-b", "inc-b", 2, 600 * kGiB), kT0);
  SchedulerEffects fx;
  d.found("vm1.ova", kT0, "normal", "", &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.holder == "node-a/slot-1");
  d.found("vm2.ova", kT0, "normal", "", &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.holder == "node-b/slot-1");  // 1000 / 2 = 500 < 600
}

// 3.
BOOST_AUTO_TEST_CASE(a_lost_node_gives_its_job_to_another_uncharged_and_its_late_outcome_is_stale) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("node-a", "inc-a", 1, 1000 * kGiB), kT0);
  d.sched->on_node_hello(hello("node-b", "inc-b", 1, 100 * kGiB), kT0);
  SchedulerEffects fx;
  const std::string id = d.found("vm1.ova", kT0, "normal", "", &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const msg::job_assignment first = fx.assignments.front().second;
  BOOST_TEST(first.holder == "node-a/slot-1");
  BOOST_TEST(first.epoch == 1u);

  const std::int64_t t = kT0 + 5 * kSecond;
  auto lost = d.sched->on_node_lost("node-a", "connection dropped", t);
  BOOST_TEST_REQUIRE(lost.assignments.size() == 1u);
  const auto& [slot, a] = lost.assignments.front();
  BOOST_TEST(a.job_id == id);
  BOOST_TEST(a.epoch == 2u);
  BOOST_TEST(a.holder == "node-b/slot-1");
  BOOST_TEST(d.sched->holder_of(slot) == "node-b/slot-1");
  BOOST_TEST(a.attempt == 2);
  const auto ks = kinds(lost);
  BOOST_TEST((std::find(ks.begin(), ks.end(), "node_lost") != ks.end()));
  BOOST_TEST((std::find(ks.begin(), ks.end(), "slot_lost") != ks.end()));

  Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Running);
  BOOST_TEST(job.holder == "node-b/slot-1");
  BOOST_TEST(job.epoch == 2u);
  BOOST_TEST(job.attempts == 2);
  BOOST_TEST(job.interrupted == 1);
  BOOST_TEST(job.charged_attempts() == 1);  // the node's death is not the job's fault

  // The lost node's late reports: stale, dropped.
  SchedulerEffects pfx;
  BOOST_TEST(!d.sched->on_publish({id, 1, "node-a/slot-1"}, t + kSecond, pfx));
  BOOST_TEST(d.sched->stale_results() == 1u);
  msg::job_outcome late = succeeded(id, local_date(kT0) + "/vm1");
  late.epoch = 1;
  late.holder = "node-a/slot-1";
  auto ofx = d.sched->on_outcome(late, t + 2 * kSecond);
  BOOST_TEST(d.sched->stale_results() == 2u);
  BOOST_TEST(kinds(ofx) == kinds_of({"stale_result"}), boost::test_tools::per_element());
  BOOST_TEST(ofx.assignments.empty());
  job = d.job(id);
  BOOST_TEST(job.state == JobState::Running);
  BOOST_TEST(job.epoch == 2u);
  BOOST_TEST(job.holder == "node-b/slot-1");

  // Heartbeats of the dead incarnation are refused; the views show it down.
  BOOST_TEST(!d.sched->on_node_status(status("node-a", "inc-a", 1000 * kGiB), t + 3 * kSecond));
  auto nodes = d.control("nodes", json::object(), t + 3 * kSecond);
  BOOST_TEST_REQUIRE(nodes.ok);
  const json na = node_entry(nodes.body["nodes"], "node-a");
  BOOST_TEST(na["health"] == "down");
  BOOST_TEST(na["jobs_lost"] == 1);
  BOOST_TEST(na["slots_total"] == 0);
  const json nb = node_entry(nodes.body["nodes"], "node-b");
  BOOST_TEST(nb["slots_busy"] == 1);
  BOOST_TEST(strings_of(nb["running_jobs"]) == std::vector<std::string>{id}, boost::test_tools::per_element());

  // The new holder's success is accepted.
  d.succeed(id, t + 4 * kSecond);
  BOOST_TEST(d.state_of(id) == JobState::Done);
  BOOST_TEST(node_entry(d.control("nodes", json::object(), t + 5 * kSecond).body["nodes"], "node-b")["jobs_done"] == 1);
}

BOOST_AUTO_TEST_CASE(a_lost_node_with_no_other_node_up_leaves_its_job_queued_uncharged) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("node-a", "inc-a", 1, 1000 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  auto lost = d.sched->on_node_lost("node-a", "connection dropped", kT0 + kSecond);
  BOOST_TEST(lost.assignments.empty());
  const Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Queued);
  BOOST_TEST(job.holder.empty());
  BOOST_TEST(job.charged_attempts() == 0);
  BOOST_TEST(d.sched->running() == 0u);
}

// The worst moment to lose a node: the coordinator allowed its publish
// (recorded, synced), and the node froze or was cut off before renaming its
// staging folder into place. What the node finds when it thaws: nothing to
// rename; and the next attempt publishes the VM once, under the same name.
// (Here the node's rename comes after on_node_lost returns; one racing the
// coordinator's own steps is settled by fence_staging, tested in
// staging_sweep_test.cpp, and end to end by cluster.fence.)
BOOST_AUTO_TEST_CASE(a_node_lost_between_its_publish_permission_and_its_rename_can_never_publish) {
  Daemon d(0);
  const auto [id, folder, staging] = allowed_to_publish_on_node_a(d);

  auto lost = d.sched->on_node_lost("node-a", "silent for 10 s", kT0 + 13 * kSecond);
  BOOST_TEST_REQUIRE(lost.assignments.size() == 1u);
  BOOST_TEST(lost.assignments.front().second.holder == "node-b/slot-1");
  BOOST_TEST(lost.assignments.front().second.epoch == 2u);
  BOOST_TEST(d.job(id).publishing_epoch == 0u);  // the new lease has to ask again

  // node-a thaws and renames, as its engine would: nothing is there to publish.
  BOOST_TEST(!fs::exists(staging));
  BOOST_TEST(::rename(staging.c_str(), (d.out / folder).c_str()) == -1);
  BOOST_TEST(errno == ENOENT);
  BOOST_TEST(!fs::exists(d.out / folder));
  // Nothing of the fenced attempt is left on the share.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(d.out / fs::path(folder).parent_path()))
    left.push_back(e.path().filename().string());
  BOOST_TEST(left.empty(), "left in the output folder: " << left.size() << (left.empty() ? "" : ", first " + left.front()));

  // node-b's attempt publishes the VM under the same reserved name.
  std::string published;
  d.succeed(id, kT0 + 20 * kSecond, "vm1", 12.5, 4096, &published);
  BOOST_TEST(d.state_of(id) == JobState::Done);
  BOOST_TEST(published == folder);
  BOOST_TEST(d.job(id).output_path == fs::path(folder));
  BOOST_TEST(d.sched->stale_results() == 0u);
}

// A node that stays connected but whose attempt hangs after the permission
// (its rename stuck on the share, say): the watchdog takes the lease back,
// and the same fence applies; the fenced folder goes at once (that path
// does not sweep staging afterwards).
BOOST_AUTO_TEST_CASE(a_stalled_remote_attempt_allowed_to_publish_is_fenced_when_its_lease_is_taken_back) {
  Daemon d(0);
  d.settings.job_stall_timeout_ms = 30 * kSecond;
  d.settings.stall_kill_grace_ms = 10 * kSecond;
  const auto [id, folder, staging] = allowed_to_publish_on_node_a(d);
  bool cancelled = false;
  std::optional<msg::job_assignment> moved;
  for (std::int64_t t = kT0 + 3 * kSecond; t <= kT0 + 60 * kSecond && !moved; t += kSecond) {
    // Both nodes keep their heartbeats: only the job is silent.
    BOOST_TEST_REQUIRE(d.sched->on_node_status(status("node-a", "inc-a", 1000 * kGiB, 1), t));
    BOOST_TEST_REQUIRE(d.sched->on_node_status(status("node-b", "inc-b", 100 * kGiB, 0), t));
    auto fx = d.sched->on_tick(t);
    for (const auto& c : fx.cancels) cancelled = cancelled || c.second == id;
    for (const auto& [slot, a] : fx.assignments)
      if (a.job_id == id) moved = a;
  }
  BOOST_TEST(cancelled, "the watchdog never cancelled the silent attempt");
  BOOST_TEST_REQUIRE(moved.has_value(), "the lease was never taken back");
  BOOST_TEST(moved->epoch == 2u);  // on whichever node has room (node-a's slot is free again)
  BOOST_TEST(d.job(id).charged_attempts() == 2, "a stalled attempt is the job's own failure");
  BOOST_TEST(!fs::exists(staging));
  BOOST_TEST(::rename(staging.c_str(), (d.out / folder).c_str()) == -1, "node-a's late rename found its staging");
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(d.out / fs::path(folder).parent_path()))
    left.push_back(e.path().filename().string());
  BOOST_TEST(left.empty(), "left in the output folder: " << left.size() << (left.empty() ? "" : ", first " + left.front()));
}

// node-a is lost after its permission and a folder already stands at the
// reserved name, written by another attempt (another daemon sharing the
// output folder): that is no publish of this job. It runs again; the
// foreign folder is left alone.
BOOST_AUTO_TEST_CASE(a_node_lost_with_a_foreign_folder_at_the_reserved_name_runs_its_job_again) {
  Daemon d(0);
  const auto [id, folder, staging] = allowed_to_publish_on_node_a(d);
  write_file(d.out / folder / "report.json", R"({"status": "success", "request": {"staging_tag": "job-77.e1.0badf00d"}})");

  auto lost = d.sched->on_node_lost("node-a", "silent for 10 s", kT0 + 13 * kSecond);
  BOOST_TEST(d.job(id).state == JobState::Running, "the job is " << to_string(d.job(id).state));
  BOOST_TEST_REQUIRE(lost.assignments.size() == 1u);
  BOOST_TEST(lost.assignments.front().second.epoch == 2u);
  BOOST_TEST(fs::exists(d.out / folder / "report.json"));
}

// The coordinator dies between its fence (the rename away) and the removal
// that follows it. At the restart the job is kept for node-a (it may still
// be running there), but the fenced folder is dead whatever the store says:
// the start-up sweep removes it, while a live attempt's staging stays.
BOOST_AUTO_TEST_CASE(a_fenced_folder_left_by_a_coordinator_crash_is_removed_at_the_restart) {
  Daemon d(0);
  const auto [id, folder, staging] = allowed_to_publish_on_node_a(d);
  const StagingFence f = fence_staging(staging);  // what the dead coordinator did
  BOOST_TEST_REQUIRE((f.result == StagingFence::Result::fenced), f.error);
  BOOST_TEST_REQUIRE(fs::exists(f.path));
  const std::string other = d.found("vm2.ova", kT0 + 3 * kSecond);
  BOOST_TEST_REQUIRE(d.job(other).holder == "node-b/slot-1");
  const fs::path live = make_staging(d.out / fs::path(folder).parent_path(), "vm2", other, 1, d.store->instance_id());
  // An older attempt of vm2's job (epoch 0 stands for one whose lease moved
  // and whose removal, waiting for a commit, died with the coordinator).
  const fs::path older = make_staging(d.out / fs::path(folder).parent_path(), "vm2", other, 0, d.store->instance_id());

  d.settings.hold_remote_leases_ms = 30'000;
  d.restart(kT0 + 10 * kSecond);
  BOOST_TEST(d.job(id).state == JobState::Running, "the lease is kept for node-a");
  BOOST_TEST(d.job(id).epoch == 1u);
  BOOST_TEST(!fs::exists(f.path), "the fenced folder survived the restart");
  BOOST_TEST(fs::exists(live), "the sweep took the staging of a lease kept for its node");
  BOOST_TEST(!fs::exists(older), "an older attempt of a kept lease's job survived the restart");
  BOOST_TEST(::rename(staging.c_str(), (d.out / folder).c_str()) == -1, "node-a's late rename found its staging");
}

// The other side of that race: the node renamed before it was lost. The
// fence finds nothing to take; the job is done, once, not run again.
BOOST_AUTO_TEST_CASE(a_node_lost_just_after_its_rename_leaves_the_job_done_not_rerun) {
  Daemon d(0);
  const auto [id, folder, staging] = allowed_to_publish_on_node_a(d);
  fs::rename(staging, d.out / folder);

  auto lost = d.sched->on_node_lost("node-a", "silent for 10 s", kT0 + 13 * kSecond);
  BOOST_TEST(lost.assignments.empty());
  const Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Done);
  BOOST_TEST(job.output_path == fs::path(folder));
  BOOST_TEST(job.attempts == 1);
  BOOST_TEST(fs::exists(d.out / folder / "disk.qcow2.part"));
  const auto ks = kinds(lost);
  BOOST_TEST((std::find(ks.begin(), ks.end(), "succeeded") != ks.end()));
}

// The coordinator's own mount of the share is gone when a node is lost
// after its publish permission: a look would find neither its output nor
// its staging (an empty mount point) and run the job again while the node
// may still rename into place. The lease waits for the share instead, then
// is judged: published meanwhile -> done, once; not -> fenced, run again.
BOOST_AUTO_TEST_CASE(a_lease_lost_after_its_publish_permission_waits_for_the_coordinators_share) {
  for (const bool renamed : {true, false}) {
    BOOST_TEST_CONTEXT("node-a renamed during the outage: " << renamed) {
      Daemon d(0);
      const std::string share = "5f0c2a9e41b7d3c8";
      const auto [id, folder, staging] = allowed_to_publish_on_node_a(d, share);
      // Unmounted at the coordinator: its output folder is not where it looks.
      const fs::path elsewhere = d.dir / "output.on-the-server";
      fs::rename(d.out, elsewhere);
      d.commit(d.sched->on_own_share(msg::share_view{"", "/mnt/h2k/.hyper2kvm-share is missing"}, kT0 + 3 * kSecond));
      auto lost = d.commit(d.sched->on_node_lost("node-a", "silent for 10 s", kT0 + 13 * kSecond));
      BOOST_TEST(lost.assignments.empty(), "the job ran again while its publish could not be judged");
      BOOST_TEST(d.job(id).state == JobState::Running);
      BOOST_TEST(d.job(id).epoch == 1u);
      BOOST_TEST(d.sched->leases_awaiting_share() == 1u);
      BOOST_TEST(d.control("status").body["leases_awaiting_share"] == 1);
      const fs::path staged = elsewhere / fs::path(staging).lexically_relative(d.out);
      if (renamed) fs::rename(staged, elsewhere / folder);  // node-a, through its own mount
      // Mounted again.
      fs::rename(elsewhere, d.out);
      auto back = d.commit(d.sched->on_own_share(msg::share_view{share, ""}, kT0 + 20 * kSecond));
      BOOST_TEST(d.sched->leases_awaiting_share() == 0u);
      const Job job = d.job(id);
      if (renamed) {
        BOOST_TEST(job.state == JobState::Done);
        BOOST_TEST(job.output_path == fs::path(folder));
        BOOST_TEST(job.attempts == 1);
        BOOST_TEST(back.assignments.empty());
      } else {
        BOOST_TEST_REQUIRE(back.assignments.size() == 1u);
        BOOST_TEST(back.assignments.front().second.holder == "node-b/slot-1");
        BOOST_TEST(back.assignments.front().second.epoch == 2u);
        BOOST_TEST(job.interrupted == 1, "the node's loss, not the job's failure");
        BOOST_TEST(job.charged_attempts() == 1, "only the attempt now running counts");
        BOOST_TEST(::rename(staging.c_str(), (d.out / folder).c_str()) == -1, "node-a's late rename found its staging");
        BOOST_TEST(!fs::exists(d.out / folder));
      }
    }
  }
}

// A lost node's staging goes only once the release of its lease is
// durable (after the commit). Before, a coordinator killed between the two
// restarted with the lease still the node's (kept for it across the
// restart) and the files it was writing gone: the node published an
// empty folder (seen in cluster.chaos, seed 79498).
BOOST_AUTO_TEST_CASE(a_lost_nodes_staging_stays_until_the_release_of_its_lease_is_committed) {
  Daemon d(0);
  coordinator_with_nodes_a_and_b(d);
  const std::string id = d.found("vm1.ova", kT0);
  const std::string folder = d.plan(id, "vm1", kT0 + kSecond);
  const fs::path staging = make_staging(d.out / fs::path(folder).parent_path(), "vm1", id, 1, d.store->instance_id());
  auto lost = d.sched->on_node_lost("node-a", "silent for 10 s", kT0 + 13 * kSecond);
  BOOST_TEST_REQUIRE(lost.assignments.size() == 1u);
  BOOST_TEST(fs::exists(staging / "disk.qcow2.part"), "removed before the release was durable");
  d.commit(lost);
  BOOST_TEST(!fs::exists(staging));
}

// A node lost before any publish permission while the coordinator's share
// is away: its job runs again at once (it can never publish), and its
// staging folder, which the coordinator cannot see now, goes once the
// share is back (node-a, killed, will not remove it).
BOOST_AUTO_TEST_CASE(a_lost_attempts_staging_is_removed_when_the_coordinators_share_is_back) {
  Daemon d(0);
  const std::string share = "5f0c2a9e41b7d3c8";
  coordinator_with_nodes_a_and_b(d, share);
  const std::string id = d.found("vm1.ova", kT0);
  const std::string folder = d.plan(id, "vm1", kT0 + kSecond);
  const fs::path staging = make_staging(d.out / fs::path(folder).parent_path(), "vm1", id, 1, d.store->instance_id());
  const fs::path elsewhere = d.dir / "output.on-the-server";
  fs::rename(d.out, elsewhere);
  d.commit(d.sched->on_own_share(msg::share_view{"", "/mnt/h2k/.hyper2kvm-share is missing"}, kT0 + 2 * kSecond));
  auto lost = d.commit(d.sched->on_node_lost("node-a", "killed", kT0 + 3 * kSecond));
  BOOST_TEST_REQUIRE(lost.assignments.size() == 1u, "no publish permission: nothing to wait for");
  BOOST_TEST(lost.assignments.front().second.holder == "node-b/slot-1");
  const fs::path staged = elsewhere / staging.lexically_relative(d.out);
  BOOST_TEST(fs::exists(staged));
  fs::rename(elsewhere, d.out);
  d.commit(d.sched->on_own_share(msg::share_view{share, ""}, kT0 + 4 * kSecond));
  BOOST_TEST(!fs::exists(staging), "the dead attempt's staging was left on the share");
}

// A dropped connection is not a lost node: the node's process may live
// (a reset, a refused TLS handshake of another peer). Its lease waits for
// it; it gets no new job meanwhile; back within node_timeout with the same
// incarnation, it keeps its job; never back, it is lost at node_timeout.
BOOST_AUTO_TEST_CASE(a_dropped_connection_keeps_the_lease_for_a_reconnect_within_node_timeout) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("node-a", "inc-a", 2, 1000 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "node-a/slot-1");
  d.sched->on_node_disconnected("node-a", "remote_link_unreachable", kT0 + kSecond);
  // No new job goes to a disconnected node.
  auto second = d.sched->on_found(d.drop("vm2.ova"), kT0 + kSecond);
  BOOST_TEST(second.assignments.empty());
  auto nodes = d.control("nodes", json::object(), kT0 + kSecond);
  BOOST_TEST(nodes.body["nodes"][0]["health"] == "disconnected");
  // Back with the same incarnation, claiming its job: kept, and the queued one starts.
  auto join = d.sched->on_node_hello(hello("node-a", "inc-a", 2, 1000 * kGiB, {{id, 1, "node-a/slot-1"}}),
                                     kT0 + 2 * kSecond);
  BOOST_TEST(join.welcome.revoked.empty());
  BOOST_TEST(d.job(id).state == JobState::Running);
  BOOST_TEST(d.job(id).epoch == 1u);
  BOOST_TEST(d.job(id).interrupted == 0);
  BOOST_TEST_REQUIRE(join.fx.assignments.size() == 1u);
  BOOST_TEST(join.fx.assignments[0].second.holder == "node-a/slot-2");
}

BOOST_AUTO_TEST_CASE(a_dropped_connection_never_restored_loses_the_node_at_node_timeout) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("node-a", "inc-a", 1, 1000 * kGiB), kT0);
  d.sched->on_node_hello(hello("node-b", "inc-b", 1, 10 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "node-a/slot-1");
  d.sched->on_node_disconnected("node-a", "remote_link_unreachable", kT0 + 100);
  BOOST_TEST(d.sched->on_node_status(status("node-b", "inc-b", 10 * kGiB, 0), kT0 + 9000));
  auto early = d.sched->on_tick(kT0 + 9000);
  BOOST_TEST(early.assignments.empty());
  BOOST_TEST(d.job(id).holder == "node-a/slot-1");
  auto tick = d.sched->on_tick(kT0 + 10'001);
  BOOST_TEST_REQUIRE(tick.assignments.size() == 1u);
  BOOST_TEST(tick.assignments[0].second.holder == "node-b/slot-1");
  BOOST_TEST(tick.assignments[0].second.epoch == 2u);
  BOOST_TEST(d.job(id).interrupted == 1);
}

// The silence check between ticks: due at the first moment a node can be
// silent (its last heartbeat + node_timeout + 1 ms), it loses exactly the
// nodes silent by then and leases their jobs elsewhere at once, so a dead
// node's job moves at node_timeout rather than up to a tick later.
BOOST_AUTO_TEST_CASE(the_silence_check_is_due_when_the_first_node_can_fall_silent_and_moves_its_job) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  BOOST_TEST(!d.sched->next_silence_check_ms().has_value());  // no remote node: nothing to watch
  d.sched->on_node_hello(hello("node-a", "inc-a", 1, 1000 * kGiB), kT0);
  d.sched->on_node_hello(hello("node-b", "inc-b", 1, 10 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "node-a/slot-1");
  BOOST_TEST(d.sched->next_silence_check_ms().value_or(-1) == kT0 + kNodeTimeout + 1);

  // node-b's heartbeats go on, node-a's stop at kT0 + 400 (killed).
  BOOST_TEST(d.sched->on_node_status(status("node-a", "inc-a", 1000 * kGiB, 1), kT0 + 400));
  BOOST_TEST(d.sched->on_node_status(status("node-b", "inc-b", 10 * kGiB, 0), kT0 + 900));
  BOOST_TEST(d.sched->next_silence_check_ms().value_or(-1) == kT0 + 400 + kNodeTimeout + 1);

  // A check before that moment loses nobody.
  auto early = d.sched->on_silence_check(kT0 + 400 + kNodeTimeout);
  BOOST_TEST(early.events.empty());
  BOOST_TEST(early.assignments.empty());
  BOOST_TEST(d.job(id).holder == "node-a/slot-1");

  // At it: node-a is lost and its job goes to node-b, uncharged, epoch 2;
  // node-b (heard 500 ms later) is still up.
  BOOST_TEST(d.sched->on_node_status(status("node-b", "inc-b", 10 * kGiB, 0), kT0 + 400 + kNodeTimeout));
  auto due = d.sched->on_silence_check(kT0 + 400 + kNodeTimeout + 1);
  const auto ks = kinds(due);
  BOOST_TEST((std::find(ks.begin(), ks.end(), "node_lost") != ks.end()));
  BOOST_TEST_REQUIRE(due.assignments.size() == 1u);
  BOOST_TEST(due.assignments[0].second.job_id == id);
  BOOST_TEST(due.assignments[0].second.holder == "node-b/slot-1");
  BOOST_TEST(due.assignments[0].second.epoch == 2u);
  BOOST_TEST(d.job(id).interrupted == 1);
  BOOST_TEST(d.job(id).attempts == 2);  // the lost one is not charged: interrupted
  // Next due: node-b's own deadline; the lost node is not watched any more.
  BOOST_TEST(d.sched->next_silence_check_ms().value_or(-1) == kT0 + 400 + 2 * kNodeTimeout + 1);
}

// 4.
BOOST_AUTO_TEST_CASE(a_node_silent_past_node_timeout_is_lost_and_its_job_requeued) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "conv1/slot-1");

  // Exactly node_timeout: not yet ("longer than").
  auto fx = d.sched->on_tick(kT0 + kNodeTimeout);
  BOOST_TEST(fx.events.empty());
  BOOST_TEST(d.state_of(id) == JobState::Running);

  fx = d.sched->on_tick(kT0 + kNodeTimeout + 1);
  const auto ks = kinds(fx);
  BOOST_TEST((std::find(ks.begin(), ks.end(), "node_lost") != ks.end()));
  BOOST_TEST(fx.assignments.empty());  // no other node
  const Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Queued);
  BOOST_TEST(job.holder.empty());
  BOOST_TEST(job.interrupted == 1);
  BOOST_TEST(job.charged_attempts() == 0);
  BOOST_TEST(d.sched->running() == 0u);

  // The old incarnation's heartbeat afterwards: not a member any more.
  BOOST_TEST(!d.sched->on_node_status(status("conv1", "inc-1", 100 * kGiB, 1), kT0 + kNodeTimeout + 2));
  auto nodes = d.control("nodes", json::object(), kT0 + kNodeTimeout + 3);
  BOOST_TEST(node_entry(nodes.body["nodes"], "conv1")["health"] == "down");
  auto st = d.control("status", json::object(), kT0 + kNodeTimeout + 3);
  BOOST_TEST(st.body["nodes_up"] == 0);
  BOOST_TEST(st.body["nodes_total"] == 1);

  // The node restarted (new incarnation) gets the job again, epoch 2.
  auto join = d.sched->on_node_hello(hello("conv1", "inc-1b", 1, 100 * kGiB), kT0 + kNodeTimeout + 4);
  BOOST_TEST(join.welcome.accepted);
  BOOST_TEST(join.slot_indices == std::vector<std::size_t>{0}, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(join.fx.assignments.size() == 1u);
  BOOST_TEST(join.fx.assignments.front().second.job_id == id);
  BOOST_TEST(join.fx.assignments.front().second.epoch == 2u);
}

BOOST_AUTO_TEST_CASE(a_tick_gap_is_credited_when_the_coordinator_was_stopped_or_its_clock_stepped) {
  TickGapCredit gap(1000);
  BOOST_TEST(gap.on_tick(500, kT0) == 0, "the first tick has nothing to compare with");
  BOOST_TEST(gap.on_tick(1500, kT0 + 1000) == 0, "on time");
  BOOST_TEST(gap.on_tick(2900, kT0 + 2400) == 0, "late by less than half a tick: a busy coordinator");
  BOOST_TEST(gap.on_tick(9900, kT0 + 9400) == 6000, "stopped 7 s: all but one tick interval");
  BOOST_TEST(gap.on_tick(10900, kT0 + 40400) == 30000, "the wall clock stepped 30 s forward");
  BOOST_TEST(gap.on_tick(11900, kT0 + 20000) == 0, "stepped back: nothing");
}

// A coordinator stopped (SIGSTOP, a paused VM) longer than node_timeout
// must not, on waking, take for dead every node it could not hear: the
// silence was its own. A node that stays silent after it woke is still
// lost, node_timeout later.
BOOST_AUTO_TEST_CASE(a_paused_coordinator_does_not_declare_its_nodes_dead_for_its_own_silence) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "conv1/slot-1");
  d.sched->on_tick(kT0 + 1000);
  // Stopped from kT0 + 1000 to kT0 + 16'000 (15 s, node_timeout is 10 s).
  d.sched->on_coordinator_pause(14'000, kT0 + 16'000);
  auto fx = d.sched->on_tick(kT0 + 16'000);
  BOOST_TEST(kinds(fx).empty(), "no node lost on waking");
  BOOST_TEST(d.state_of(id) == JobState::Running);
  BOOST_TEST(d.job(id).holder == "conv1/slot-1");
  // Heard from again: it lives on.
  BOOST_TEST(d.sched->on_node_status(status("conv1", "inc-1", 100 * kGiB, 1), kT0 + 16'500));
  BOOST_TEST(kinds(d.sched->on_tick(kT0 + 26'000)).empty());
  // Silent from then on: lost node_timeout after its last heartbeat.
  fx = d.sched->on_tick(kT0 + 26'501);
  const auto ks = kinds(fx);
  BOOST_TEST((std::find(ks.begin(), ks.end(), "node_lost") != ks.end()));
  BOOST_TEST(d.state_of(id) == JobState::Queued);
  BOOST_TEST(d.job(id).charged_attempts() == 0);
}

BOOST_AUTO_TEST_CASE(a_coordinator_without_the_pause_credit_would_have_lost_the_node) {
  // The same 15 s gap, not credited (what the daemon did before): the node
  // is taken for dead. Keeps the test above honest about what it shows.
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  d.sched->on_tick(kT0 + 1000);
  auto fx = d.sched->on_tick(kT0 + 16'000);
  const auto ks = kinds(fx);
  BOOST_TEST((std::find(ks.begin(), ks.end(), "node_lost") != ks.end()));
}

BOOST_AUTO_TEST_CASE(heartbeats_keep_a_node_alive) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  for (std::int64_t t = kT0 + 5 * kSecond; t <= kT0 + 60 * kSecond; t += 5 * kSecond) {
    BOOST_TEST(d.sched->on_node_status(status("conv1", "inc-1", 100 * kGiB, 1), t));
    auto fx = d.sched->on_tick(t + 4 * kSecond);
    BOOST_TEST(fx.events.empty());
  }
  BOOST_TEST(d.state_of(id) == JobState::Running);
  // A heartbeat from another incarnation of the same name is refused.
  BOOST_TEST(!d.sched->on_node_status(status("conv1", "other", 100 * kGiB), kT0 + 61 * kSecond));
  BOOST_TEST(!d.sched->on_node_status(status("nobody", "inc-x", 100 * kGiB), kT0 + 61 * kSecond));
}

// 5.
BOOST_AUTO_TEST_CASE(same_incarnation_keeps_its_claimed_lease_a_new_incarnation_starts_clean) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  auto first_join = d.sched->on_node_hello(hello("conv1", "inc-1", 2, 100 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "conv1/slot-1");
  BOOST_TEST_REQUIRE(d.job(id).epoch == 1u);

  // The same process reconnects and claims its lease: kept.
  auto again = d.sched->on_node_hello(hello("conv1", "inc-1", 2, 100 * kGiB, {{id, 1, "conv1/slot-1"}}),
                                      kT0 + kSecond);
  BOOST_TEST(again.welcome.accepted);
  BOOST_TEST(again.welcome.revoked.empty());
  BOOST_TEST(again.fx.assignments.empty());
  BOOST_TEST(again.slot_indices == first_join.slot_indices, boost::test_tools::per_element());
  Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Running);
  BOOST_TEST(job.epoch == 1u);
  BOOST_TEST(job.holder == "conv1/slot-1");
  BOOST_TEST(job.interrupted == 0);
  BOOST_TEST(d.sched->running() == 1u);
  BOOST_TEST(d.sched->stale_results() == 0u);

  // A claim of a lease it does not hold (wrong epoch) is revoked, the real one kept.
  auto wrong = d.sched->on_node_hello(
      hello("conv1", "inc-1", 2, 100 * kGiB, {{id, 1, "conv1/slot-1"}, {"no-such-job", 7, "conv1/slot-2"}}),
      kT0 + 2 * kSecond);
  BOOST_TEST(wrong.welcome.accepted);
  BOOST_TEST(wrong.welcome.revoked == std::vector<std::string>{"no-such-job"}, boost::test_tools::per_element());
  BOOST_TEST(d.job(id).epoch == 1u);

  // A new process of the same name: the old one's leases are taken back
  // (uncharged), and its claim of the old lease is revoked.
  auto restarted = d.sched->on_node_hello(hello("conv1", "inc-2", 2, 100 * kGiB, {{id, 1, "conv1/slot-1"}}),
                                          kT0 + 3 * kSecond);
  BOOST_TEST(restarted.welcome.accepted);
  BOOST_TEST(restarted.welcome.revoked == std::vector<std::string>{id}, boost::test_tools::per_element());
  BOOST_TEST(restarted.slot_indices == first_join.slot_indices, boost::test_tools::per_element());
  job = d.job(id);
  BOOST_TEST(job.interrupted == 1);
  BOOST_TEST(job.charged_attempts() == 1);
  // Requeued, and (the node being the only one, and free) leased again with a new epoch.
  BOOST_TEST_REQUIRE(restarted.fx.assignments.size() == 1u);
  BOOST_TEST(restarted.fx.assignments.front().second.job_id == id);
  BOOST_TEST(restarted.fx.assignments.front().second.epoch == 2u);
  BOOST_TEST(job.epoch == 2u);
  BOOST_TEST(job.state == JobState::Running);
  // The old incarnation's heartbeats and reports are not the member's any more.
  BOOST_TEST(!d.sched->on_node_status(status("conv1", "inc-1", 100 * kGiB, 1), kT0 + 4 * kSecond));
  BOOST_TEST(d.sched->on_node_status(status("conv1", "inc-2", 100 * kGiB, 1), kT0 + 4 * kSecond));
  auto stale = d.sched->on_outcome([&] {
    msg::job_outcome o = failed(id, "io");
    o.epoch = 1;
    o.holder = "conv1/slot-1";
    return o;
  }(), kT0 + 5 * kSecond);
  BOOST_TEST(kinds(stale) == kinds_of({"stale_result"}), boost::test_tools::per_element());
  BOOST_TEST(d.job(id).state == JobState::Running);
  BOOST_TEST(node_entry(d.control("nodes", json::object(), kT0 + 6 * kSecond).body["nodes"], "conv1")["jobs_lost"] == 1);
}

// 6.
BOOST_AUTO_TEST_CASE(after_a_coordinator_restart_remote_leases_wait_for_their_node_then_are_requeued) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  const TwoNodes before = two_nodes_four_vms(d, kT0);
  std::map<std::string, std::string> holder_of_job;  // job -> holder
  for (const auto& id : before.ids) holder_of_job[id] = d.job(id).holder;
  std::string claimed, unclaimed_conv1;
  for (const auto& [id, holder] : holder_of_job) {
    if (holder == "conv1/slot-1") claimed = id;
    if (holder == "conv1/slot-2") unclaimed_conv1 = id;
  }
  BOOST_TEST_REQUIRE(!claimed.empty());
  BOOST_TEST_REQUIRE(!unclaimed_conv1.empty());
  const std::uint64_t E = d.job(claimed).epoch;
  BOOST_TEST(E == 1u);
  // The claimed attempt has staging under the output folder: it must survive the restart's sweep.
  const fs::path staging = make_staging(d.out / local_date(kT0), "vm", claimed, E, d.store->instance_id());

  // The coordinator dies and starts again (the nodes keep converting).
  d.settings.hold_remote_leases_ms = 30'000;
  const std::int64_t t1 = kT0 + 60 * kSecond;
  auto boot = d.restart(t1);
  BOOST_TEST(boot.assignments.empty());
  for (const auto& id : before.ids) {
    const Job j = d.job(id);
    BOOST_TEST(j.state == JobState::Running, id << " was not kept running");
    BOOST_TEST(j.holder == holder_of_job[id]);
    BOOST_TEST(j.epoch == 1u);
    BOOST_TEST(j.interrupted == 0);
  }
  BOOST_TEST(fs::exists(staging));
  auto st = d.control("status", json::object(), t1);
  BOOST_TEST(st.body["leases_awaiting_nodes"] == 4);
  BOOST_TEST(st.body["queued"] == 0);

  // conv1 reconnects and claims one of its two leases: the other one it no
  // longer runs, so it is released at once (not charged) and, conv1's
  // second slot being free, leased to it again (epoch 2).
  auto join = d.sched->on_node_hello(hello("conv1", "inc-1", 2, 100 * kGiB, {{claimed, E, "conv1/slot-1"}}), t1);
  BOOST_TEST(join.welcome.accepted);
  BOOST_TEST(join.welcome.revoked.empty());
  for (const auto& [slot, a] : join.fx.assignments) BOOST_TEST(a.job_id != claimed);
  BOOST_TEST_REQUIRE(join.fx.assignments.size() == 1u);
  BOOST_TEST(join.fx.assignments[0].second.job_id == unclaimed_conv1);
  BOOST_TEST(join.fx.assignments[0].second.epoch == 2u);
  BOOST_TEST(join.fx.assignments[0].second.holder == "conv1/slot-2");
  BOOST_TEST(d.job(unclaimed_conv1).interrupted == 1);
  BOOST_TEST(d.job(claimed).state == JobState::Running);
  BOOST_TEST(d.job(claimed).epoch == E);
  BOOST_TEST(d.sched->running() == 2u);
  st = d.control("status", json::object(), t1);
  BOOST_TEST(st.body["leases_awaiting_nodes"] == 2);  // conv2's, until conv2 reconnects or the deadline

  // Its attempt finishes: planned, fenced publish, folder in place, outcome.
  auto done = d.succeed(claimed, t1 + 5 * kSecond);
  BOOST_TEST(d.state_of(claimed) == JobState::Done);
  BOOST_TEST(d.sched->stale_results() == 0u);
  const auto ks = kinds(done);
  BOOST_TEST((std::find(ks.begin(), ks.end(), "succeeded") != ks.end()));

  // conv2's leases, never claimed: kept until the deadline, then requeued (not charged).
  BOOST_TEST(d.sched->on_node_status(status("conv1", "inc-1", 100 * kGiB, 1), t1 + 20 * kSecond));
  auto tick = d.sched->on_tick(t1 + 29'999);
  BOOST_TEST(tick.assignments.empty());
  BOOST_TEST(d.sched->on_node_status(status("conv1", "inc-1", 100 * kGiB, 1), t1 + 29'999));
  tick = d.sched->on_tick(t1 + 30'001);
  // conv1 has one free slot (slot-1, its claimed job done): one of conv2's two jobs goes there.
  BOOST_TEST(tick.assignments.size() == 1u);
  for (const auto& [slot, a] : tick.assignments) {
    BOOST_TEST(node_of(a.holder) == "conv1");
    BOOST_TEST(a.epoch == 2u);
  }
  int running = 0, queued = 0;
  for (const auto& id : before.ids) {
    if (id == claimed) continue;
    const Job j = d.job(id);
    BOOST_TEST(j.interrupted == 1, id << " was charged");
    // Only a run started after the release counts: the orphaned one is not charged.
    BOOST_TEST(j.charged_attempts() == (j.state == JobState::Running ? 1 : 0));
    if (j.state == JobState::Running) {
      ++running;
      BOOST_TEST(j.epoch == 2u);
      BOOST_TEST(node_of(j.holder) == "conv1");
    } else {
      ++queued;
      BOOST_TEST(j.state == JobState::Queued);
    }
  }
  BOOST_TEST(running == 2);
  BOOST_TEST(queued == 1);
  st = d.control("status", json::object(), t1 + 30'002);
  BOOST_TEST(st.body["leases_awaiting_nodes"] == 0);
}

BOOST_AUTO_TEST_CASE(after_a_coordinator_restart_an_unclaimed_lease_is_requeued_at_the_deadline) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "conv1/slot-1");

  d.settings.hold_remote_leases_ms = 30'000;
  const std::int64_t t1 = kT0 + kMinute;
  d.restart(t1);
  BOOST_TEST(d.state_of(id) == JobState::Running);
  BOOST_TEST(d.sched->on_tick(t1 + 29'999).events.empty());
  BOOST_TEST(d.state_of(id) == JobState::Running);
  auto fx = d.sched->on_tick(t1 + 30'001);
  BOOST_TEST(fx.assignments.empty());  // no node
  const Job j = d.job(id);
  BOOST_TEST(j.state == JobState::Queued);
  BOOST_TEST(j.holder.empty());
  BOOST_TEST(j.charged_attempts() == 0);

  // conv1 comes back late and claims it: revoked, and the job leased again.
  auto join = d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB, {{id, 1, "conv1/slot-1"}}), t1 + 31'000);
  BOOST_TEST(join.welcome.revoked == std::vector<std::string>{id}, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(join.fx.assignments.size() == 1u);
  BOOST_TEST(join.fx.assignments.front().second.epoch == 2u);
}

BOOST_AUTO_TEST_CASE(without_hold_remote_leases_a_coordinator_restart_requeues_remote_leases) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  d.restart(kT0 + kMinute);  // hold_remote_leases_ms = 0
  BOOST_TEST(d.state_of(id) == JobState::Queued);
  BOOST_TEST(d.control("status").body["leases_awaiting_nodes"] == 0);
}

// Beyond the brief: the operator cancels a job whose lease waits for its node
// after a coordinator restart; when the node comes back claiming it, the
// claim must be revoked (the job is cancelled, not the node's any more).
// Was a bug (fixed): cancel-job (JobScheduler::on_control) finds no slot for an orphan
// lease, so it cancels the job in the store but leaves it in orphans_;
// on_node_hello (the orphans_ branch of the claims loop in
// actors/scheduler/job_scheduler.cpp) then checks only the orphan's epoch and
// holder, not the job's state, and hands the cancelled job's lease back to
// the node's slot: not revoked, the node keeps converting a cancelled job and
// the slot counts as busy.
BOOST_AUTO_TEST_CASE(a_claim_of_an_orphan_lease_cancelled_meanwhile_is_revoked) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "conv1/slot-1");

  d.settings.hold_remote_leases_ms = 30'000;
  const std::int64_t t1 = kT0 + kMinute;
  d.restart(t1);
  auto r = d.control("cancel-job", {{"job_id", id}}, t1 + kSecond);
  BOOST_TEST(r.ok, r.body.dump());
  BOOST_TEST(d.state_of(id) == JobState::Cancelled);

  auto join = d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB, {{id, 1, "conv1/slot-1"}}), t1 + 2 * kSecond);
  BOOST_TEST(join.welcome.accepted);
  BOOST_TEST(join.welcome.revoked == std::vector<std::string>{id}, boost::test_tools::per_element());
  BOOST_TEST(d.sched->running() == 0u);
  BOOST_TEST(d.control("status", json::object(), t1 + 3 * kSecond).body["leases_awaiting_nodes"] == 0);
  BOOST_TEST(d.state_of(id) == JobState::Cancelled);
}

// 7.
BOOST_AUTO_TEST_CASE(a_drained_node_gets_no_new_job_until_undrained) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 2, 100 * kGiB), kT0);
  d.sched->on_node_hello(hello("conv2", "inc-2", 2, 100 * kGiB), kT0);

  auto r = d.control("drain-node", {{"node", "conv1"}}, kT0);
  BOOST_TEST(r.ok);
  BOOST_TEST(r.body["node"] == "conv1");
  BOOST_TEST(r.body["draining"] == true);

  std::vector<std::string> ids;
  for (const char* name : {"vm1.ova", "vm2.ova", "vm3.ova"}) {
    SchedulerEffects fx;
    ids.push_back(d.found(name, kT0 + kSecond, "normal", "", &fx));
    for (const auto& [slot, a] : fx.assignments) BOOST_TEST(node_of(a.holder) == "conv2");
  }
  BOOST_TEST(node_of(d.job(ids[0]).holder) == "conv2");
  BOOST_TEST(node_of(d.job(ids[1]).holder) == "conv2");
  BOOST_TEST(d.state_of(ids[2]) == JobState::Queued);  // conv2 full, conv1 draining

  auto nodes = d.control("nodes", json::object(), kT0 + 2 * kSecond);
  BOOST_TEST_REQUIRE(nodes.ok);
  BOOST_TEST(nodes.body["nodes"].size() == 2u);
  json c1 = node_entry(nodes.body["nodes"], "conv1");
  json c2 = node_entry(nodes.body["nodes"], "conv2");
  BOOST_TEST(c1["health"] == "draining");
  BOOST_TEST(c1["slots_total"] == 2);
  BOOST_TEST(c1["slots_busy"] == 0);
  BOOST_TEST(c2["health"] == "up");
  BOOST_TEST(c2["slots_total"] == 2);
  BOOST_TEST(c2["slots_busy"] == 2);
  auto c2_jobs = strings_of(c2["running_jobs"]);
  std::sort(c2_jobs.begin(), c2_jobs.end());
  std::vector<std::string> expected{ids[0], ids[1]};
  std::sort(expected.begin(), expected.end());
  BOOST_TEST(c2_jobs == expected, boost::test_tools::per_element());
  BOOST_TEST(c2["incarnation"] == "inc-2");
  BOOST_TEST(c2["host"] == "conv2.example:7100");

  // A retry tick does not hand conv1 the waiting job either.
  BOOST_TEST(d.sched->on_node_status(status("conv1", "inc-1", 100 * kGiB), kT0 + 3 * kSecond));
  BOOST_TEST(d.sched->on_node_status(status("conv2", "inc-2", 100 * kGiB, 2), kT0 + 3 * kSecond));
  BOOST_TEST(d.sched->on_tick(kT0 + 3 * kSecond).assignments.empty());

  SchedulerEffects fx;
  r = d.control("undrain-node", {{"node", "conv1"}}, kT0 + 4 * kSecond, fx);
  BOOST_TEST(r.ok);
  BOOST_TEST(r.body["draining"] == false);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.job_id == ids[2]);
  BOOST_TEST(node_of(fx.assignments.front().second.holder) == "conv1");

  nodes = d.control("nodes", json::object(), kT0 + 5 * kSecond);
  c1 = node_entry(nodes.body["nodes"], "conv1");
  BOOST_TEST(c1["health"] == "up");
  BOOST_TEST(c1["slots_busy"] == 1);
  BOOST_TEST(node_entry(nodes.body["nodes"], "conv2")["slots_busy"] == 2);

  auto unknown = d.control("drain-node", {{"node", "conv9"}}, kT0 + 6 * kSecond);
  BOOST_TEST(!unknown.ok);
  BOOST_TEST(unknown.error().find("conv9") != std::string::npos, unknown.error());
  unknown = d.control("undrain-node", {{"node", "conv9"}}, kT0 + 6 * kSecond);
  BOOST_TEST(!unknown.ok);
  BOOST_TEST(unknown.error().find("conv9") != std::string::npos, unknown.error());
}

BOOST_AUTO_TEST_CASE(a_drained_node_that_restarts_stays_drained) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 2, 100 * kGiB), kT0);
  BOOST_TEST(d.control("drain-node", {{"node", "conv1"}}, kT0).ok);
  d.sched->on_node_hello(hello("conv1", "inc-2", 2, 100 * kGiB), kT0 + kSecond);
  const std::string id = d.found("vm1.ova", kT0 + 2 * kSecond);
  BOOST_TEST(d.state_of(id) == JobState::Queued);
}

// 8.
BOOST_AUTO_TEST_CASE(a_node_named_like_the_coordinator_is_refused) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  auto join = d.sched->on_node_hello(hello("coord", "inc-1", 2, 100 * kGiB), kT0);
  BOOST_TEST(!join.welcome.accepted);
  BOOST_TEST(join.welcome.reason.find("coord") != std::string::npos, join.welcome.reason);
  BOOST_TEST(join.slot_indices.empty());
  BOOST_TEST(d.sched->slot_count() == 0u);
  BOOST_TEST(d.control("nodes").body["nodes"].empty());

  // No name or no incarnation: refused as well.
  BOOST_TEST(!d.sched->on_node_hello(hello("", "inc-1", 2, kGiB), kT0).welcome.accepted);
  BOOST_TEST(!d.sched->on_node_hello(hello("conv1", "", 2, kGiB), kT0).welcome.accepted);
  BOOST_TEST(d.sched->slot_count() == 0u);
}

// 9.
BOOST_AUTO_TEST_CASE(a_problem_reported_by_two_watchers_is_set_aside_and_reported_once) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  write_file(d.watch / "broken.ova", "not a tar");
  msg::watch_problem p;
  p.file = "broken.ova";
  p.reason = "broken.ova: first watcher: not a tar archive";
  p.error_kind = "invalid_input";
  p.permanent = true;
  p.file_size = 9;
  auto fx = d.sched->on_problem(p, kT0);
  BOOST_TEST(kinds(fx) == kinds_of({"rejected"}), boost::test_tools::per_element());
  BOOST_TEST(!fs::exists(d.watch / "broken.ova"));
  BOOST_TEST(fs::exists(d.watch / ".errors" / "broken.ova"));
  auto reports = error_reports(d.watch / ".errors");
  BOOST_TEST_REQUIRE(reports.size() == 1u);
  const std::string first_report = read_file(reports.front());
  BOOST_TEST(first_report.find("first watcher") != std::string::npos);

  msg::watch_problem again = p;
  again.reason = "broken.ova: second watcher: not a tar archive";
  fx = d.sched->on_problem(again, kT0 + kSecond);
  BOOST_TEST(fx.events.empty());
  reports = error_reports(d.watch / ".errors");
  BOOST_TEST_REQUIRE(reports.size() == 1u);
  BOOST_TEST(read_file(reports.front()) == first_report);  // not rewritten
  BOOST_TEST(fs::exists(d.watch / ".errors" / "broken.ova"));
  BOOST_TEST(read_file(d.watch / ".errors" / "broken.ova") == "not a tar");
}

// 10.
BOOST_AUTO_TEST_CASE(single_host_dispatch_order_is_unchanged) {
  Daemon d(2);
  BOOST_TEST(d.settings.node == "local");
  d.boot(kT0);
  SchedulerEffects fx1, fx2;
  const std::string a = d.found("vm1.ova", kT0, "normal", "", &fx1);
  const std::string b = d.found("vm2.ova", kT0, "normal", "", &fx2);
  BOOST_TEST_REQUIRE(fx1.assignments.size() == 1u);
  BOOST_TEST_REQUIRE(fx2.assignments.size() == 1u);
  BOOST_TEST(fx1.assignments.front().first == 0u);
  BOOST_TEST(fx1.assignments.front().second.holder == "local/slot-1");
  BOOST_TEST(fx1.assignments.front().second.job_id == a);
  BOOST_TEST(fx2.assignments.front().first == 1u);
  BOOST_TEST(fx2.assignments.front().second.holder == "local/slot-2");
  BOOST_TEST(fx2.assignments.front().second.job_id == b);
  BOOST_TEST(d.sched->slot_is_local(0));
  BOOST_TEST(d.sched->slot_is_local(1));
  // A third waits; the first slot to free up takes it.
  const std::string c = d.found("vm3.ova", kT0);
  BOOST_TEST(d.state_of(c) == JobState::Queued);
  auto done = d.succeed(b, kT0 + kSecond);
  BOOST_TEST_REQUIRE(done.assignments.size() == 1u);
  BOOST_TEST(done.assignments.front().first == 1u);
  BOOST_TEST(done.assignments.front().second.holder == "local/slot-2");
  // The local node never times out.
  BOOST_TEST(d.sched->on_tick(kT0 + kMinute).events.empty());
  auto st = d.control("status", json::object(), kT0 + kMinute);
  BOOST_TEST(st.body["cluster"] == false);
  BOOST_TEST(st.body["max_concurrent_jobs"] == 2);
  auto nodes = d.control("nodes", json::object(), kT0 + kMinute);
  BOOST_TEST_REQUIRE(nodes.body["nodes"].size() == 1u);
  BOOST_TEST(nodes.body["nodes"][0]["name"] == "local");
  BOOST_TEST(nodes.body["nodes"][0]["host"] == "(coordinator)");
  BOOST_TEST(nodes.body["nodes"][0]["slots_busy"] == 2);
}

// Beyond the brief: two nodes falling silent at the same tick. The first
// one's job must not be leased to the second (silent too, about to be
// dropped in the same tick): no assignment in the effects may target a lost node.
// Was a bug (fixed): JobScheduler::on_tick (actors/scheduler/job_scheduler.cpp, the
// silent_since loop) calls on_node_lost once per silent node, and
// on_node_lost dispatches at once (its `dispatch(now_ms, fx)`): conv1's job is
// leased to conv2 (epoch 2, an assignment in the tick's effects) before conv2,
// silent too, is dropped in the same loop and the job taken back again
// (interrupted 2, epoch 2, the tick's effects still carrying the assignment to
// the lost node's slot).
BOOST_AUTO_TEST_CASE(two_nodes_silent_at_the_same_tick_get_no_assignment) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 1, 200 * kGiB), kT0);
  d.sched->on_node_hello(hello("conv2", "inc-2", 1, 100 * kGiB), kT0);
  const std::string id = d.found("vm1.ova", kT0);
  BOOST_TEST_REQUIRE(d.job(id).holder == "conv1/slot-1");

  auto fx = d.sched->on_tick(kT0 + kNodeTimeout + 1);
  for (const auto& [slot, a] : fx.assignments)
    BOOST_TEST(false, "assignment of " << a.job_id << " (epoch " << a.epoch << ") to " << a.holder
                                       << ", a node lost in the same tick");
  const Job j = d.job(id);
  BOOST_TEST(j.state == JobState::Queued);
  BOOST_TEST(j.epoch == 1u);  // not leased (and taken back) in between
  BOOST_TEST(j.interrupted == 1);
}

// Export nodes (the exporter role on its own host): a vSphere job's export
// phase goes to an export slot of a remote node, its "exported" report from
// that lease queues the conversion for a converter node; the submitter's
// password travels only over encrypted links; a job submitted while no
// export node is connected waits for one.
namespace {

msg::node_hello export_hello(const std::string& name, const std::string& incarnation, std::size_t export_slots,
                             std::vector<msg::lease_ref> leases = {}) {
  msg::node_hello h = hello(name, incarnation, 0, 50 * kGiB, std::move(leases));
  h.roles = {"exporter"};
  h.accel.clear();
  h.export_slots.resize(export_slots);
  return h;
}

json submit_vm(Daemon& d, const std::string& vm, std::int64_t now, SchedulerEffects& fx) {
  auto r = d.control("convert-vm", {{"vm", vm}, {"vcenter", "vc.example:8989"}, {"username", "admin"},
                                    {"password", "s3cret-pw"}},
                     now, fx);
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  return r.body;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_export_node_exports_and_a_converter_node_converts) {
  Daemon d(0);
  as_coordinator(d);
  d.settings.dedup_on_converter = DedupMethod::Xxh128;  // not for a VM asked for by name (below)
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-c", 1, 100 * kGiB), kT0);
  auto e = d.sched->on_node_hello(export_hello("exp1", "inc-e", 2), kT0);
  BOOST_TEST_REQUIRE(e.welcome.accepted);
  BOOST_TEST(e.slot_indices.size() == 2u);
  for (auto i : e.slot_indices) BOOST_TEST(d.sched->slot_is_exporter(i));
  BOOST_TEST(d.sched->holder_of(e.slot_indices[1]) == "exp1/export-2");

  SchedulerEffects fx;
  const json body = submit_vm(d, "web01", kT0 + kSecond, fx);
  BOOST_TEST(!body.contains("warning"));
  const std::string id = body["job"]["id"].get<std::string>();
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const auto& [slot, a] = fx.assignments.front();
  BOOST_TEST(a.holder == "exp1/export-1");  // never the converter node
  BOOST_TEST(d.sched->slot_is_exporter(slot));
  const json request = json::parse(a.export_request);
  BOOST_TEST(request.value("vm", "") == "web01");
  // Plain TCP between the nodes (no cluster.tls): the password stays here.
  BOOST_TEST(!request.contains("password"));

  auto after = d.sched->on_outcome(d.exported(id, "web01"), kT0 + 2 * kSecond);
  BOOST_TEST_REQUIRE(after.assignments.size() == 1u);
  BOOST_TEST(after.assignments.front().second.job_id == id);
  BOOST_TEST(after.assignments.front().second.holder == "conv1/slot-1");
  BOOST_TEST(after.assignments.front().second.export_request.empty());
  BOOST_TEST(after.assignments.front().second.dedup_method.empty());  // converted as asked, never a "duplicate"
  BOOST_TEST(d.job(id).export_source->exported);
}

BOOST_AUTO_TEST_CASE(the_password_goes_to_a_remote_export_node_only_over_tls) {
  Daemon d(0);
  as_coordinator(d);
  d.settings.remote_links_encrypted = true;
  d.boot(kT0);
  d.sched->on_node_hello(export_hello("exp1", "inc-e", 1), kT0);
  SchedulerEffects fx;
  submit_vm(d, "web01", kT0 + kSecond, fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(json::parse(fx.assignments.front().second.export_request).value("password", "") == "s3cret-pw");
}

BOOST_AUTO_TEST_CASE(a_vm_submitted_before_any_export_node_waits_for_one) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-c", 2, 100 * kGiB), kT0);
  SchedulerEffects fx;
  const json body = submit_vm(d, "web01", kT0 + kSecond, fx);
  BOOST_TEST(body.value("warning", "").find("no export node") != std::string::npos);
  BOOST_TEST(fx.assignments.empty());  // converter slots never export
  const std::string id = body["job"]["id"].get<std::string>();
  BOOST_TEST(d.job(id).state == JobState::Queued);
  auto e = d.sched->on_node_hello(export_hello("exp1", "inc-e", 1), kT0 + 2 * kSecond);
  BOOST_TEST_REQUIRE(e.fx.assignments.size() == 1u);
  BOOST_TEST(e.fx.assignments.front().second.job_id == id);
  BOOST_TEST(e.fx.assignments.front().second.holder == "exp1/export-1");
}

BOOST_AUTO_TEST_CASE(an_export_node_that_reconnects_keeps_its_export_lease_and_a_restarted_one_loses_it) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(export_hello("exp1", "inc-e", 1), kT0);
  SchedulerEffects fx;
  const std::string id = submit_vm(d, "web01", kT0 + kSecond, fx)["job"]["id"].get<std::string>();
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const msg::lease_ref held{id, fx.assignments.front().second.epoch, "exp1/export-1"};

  // Same process, connection reset: it claims the lease, keeps it.
  d.sched->on_node_disconnected("exp1", "connection reset", kT0 + 2 * kSecond);
  auto again = d.sched->on_node_hello(export_hello("exp1", "inc-e", 1, {held}), kT0 + 3 * kSecond);
  BOOST_TEST(again.welcome.revoked.empty());
  BOOST_TEST(d.job(id).state == JobState::Running);
  BOOST_TEST(d.job(id).epoch == held.epoch);

  // A new process with the same name: the lease is taken back (uncharged)
  // and given to its fresh export slot under a new epoch; the old claim is revoked.
  auto restarted = d.sched->on_node_hello(export_hello("exp1", "inc-new", 1, {held}), kT0 + 4 * kSecond);
  BOOST_TEST(restarted.welcome.revoked == std::vector<std::string>{id}, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(restarted.fx.assignments.size() == 1u);
  BOOST_TEST(restarted.fx.assignments.front().second.epoch > held.epoch);
  BOOST_TEST(d.job(id).interrupted == 1);  // moved, not charged as a retry
}

// Capabilities: a Windows guest (its .vmx, OVF or export manifest says so)
// needs "virtio-win"; a node without it never gets the job, even when it has
// the most free scratch; a job nobody can take waits, saying what it needs.
namespace {

std::string found_vmx(Daemon& d, const std::string& name, const std::string& guest_os, std::int64_t now,
                      SchedulerEffects& fx) {
  fx = d.sched->on_found(d.drop(name, "config.version = \"8\"\nguestOS = \"" + guest_os + "\"\n"), now);
  BOOST_TEST_REQUIRE(!fx.events.empty());
  return fx.events.front().job_id;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_windows_guest_goes_only_to_a_node_with_virtio_win) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  auto plain = hello("plain", "inc-p", 2, 500 * kGiB);  // the most scratch: first choice otherwise
  auto drivers = hello("drivers", "inc-d", 2, 100 * kGiB);
  drivers.capabilities = {"kvm", "virtio-win"};
  d.sched->on_node_hello(plain, kT0);

  SchedulerEffects fx;
  const std::string win = found_vmx(d, "win2019.vmx", "windows2019srv-64", kT0 + kSecond, fx);
  BOOST_TEST(fx.assignments.empty());  // only "plain" is there: the job waits
  BOOST_TEST(d.job(win).state == JobState::Queued);
  const Reply status = d.control("job-status", {{"job_id", win}});
  BOOST_TEST(status.body["job"]["needs"] == json::array({"virtio-win"}), status.body.dump());

  const std::string lin = found_vmx(d, "debian.vmx", "debian12-64", kT0 + 2 * kSecond, fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);  // a Linux guest needs nothing: it passes the waiting one
  BOOST_TEST(fx.assignments.front().second.job_id == lin);
  BOOST_TEST(fx.assignments.front().second.holder.rfind("plain/", 0) == 0u);

  auto join = d.sched->on_node_hello(drivers, kT0 + 3 * kSecond);
  BOOST_TEST_REQUIRE(join.fx.assignments.size() == 1u);
  BOOST_TEST(join.fx.assignments.front().second.job_id == win);
  BOOST_TEST(join.fx.assignments.front().second.holder.rfind("drivers/", 0) == 0u);

  const Reply nodes = d.control("nodes");
  BOOST_TEST(node_entry(nodes.body["nodes"], "drivers")["capabilities"] == json::array({"kvm", "virtio-win"}));
}

// A bare disk says nothing of its guest: a node without virtio-win may get a
// Windows one. It hands it back (missing_capability, needs virtio-win): the
// job is queued again uncharged, remembers what it needs (across a restart),
// never goes back to a node without the drivers, and goes to one that has them.
BOOST_AUTO_TEST_CASE(a_windows_bare_disk_handed_back_by_a_node_without_virtio_win_goes_to_one_with_it) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  auto plain = hello("plain", "inc-p", 2, 500 * kGiB);
  d.sched->on_node_hello(plain, kT0);
  auto found = d.sched->on_found(d.drop("win2019.vmdk", "a bare disk: nothing to read before conversion"), kT0 + kSecond);
  BOOST_TEST_REQUIRE(found.assignments.size() == 1u);  // nothing says Windows yet: "plain" takes it
  const std::string id = found.assignments.front().second.job_id;
  BOOST_TEST(found.assignments.front().second.holder.rfind("plain/", 0) == 0u);

  msg::job_outcome back = failed(id, "missing_capability",
                                 "a Windows guest, and this node cannot give it virtio drivers (no virtio-win "
                                 "drivers configured (virtio_win_dir)): it is for a node with virtio-win");
  back.phase = "guest";
  back.needs = {"virtio-win"};
  auto fx = d.report(back, kT0 + 2 * kSecond);
  BOOST_TEST(fx.assignments.empty());  // "plain" has free slots, but not what the job needs
  Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Queued);
  BOOST_TEST(job.charged_attempts() == 0);  // not the job's fault: no retry used
  BOOST_TEST(job.interrupted == 1);
  BOOST_TEST(job.needs == std::vector<std::string>{"virtio-win"}, boost::test_tools::per_element());
  BOOST_TEST(!job.last_error.has_value());
  const Reply status = d.control("job-status", {{"job_id", id}});
  BOOST_TEST(status.body["job"]["needs"] == json::array({"virtio-win"}), status.body.dump());
  BOOST_TEST(status.body["job"]["state"] == "queued", status.body.dump());
  BOOST_TEST(status.body["job"]["node"].is_null(), "queued: on no node, not the one that handed it back");

  // What the job needs survives a coordinator restart: "plain" reconnects and
  // still gets nothing.
  d.restart(kT0 + 3 * kSecond);
  auto again = d.sched->on_node_hello(hello("plain", "inc-p2", 2, 500 * kGiB), kT0 + 4 * kSecond);
  BOOST_TEST(again.fx.assignments.empty());
  BOOST_TEST(d.job(id).needs == std::vector<std::string>{"virtio-win"}, boost::test_tools::per_element());

  auto drivers = hello("drivers", "inc-d", 1, 10 * kGiB);
  drivers.capabilities = {"virtio-win"};
  auto join = d.sched->on_node_hello(drivers, kT0 + 5 * kSecond);
  BOOST_TEST_REQUIRE(join.fx.assignments.size() == 1u);
  BOOST_TEST(join.fx.assignments.front().second.job_id == id);
  BOOST_TEST(join.fx.assignments.front().second.holder.rfind("drivers/", 0) == 0u);
  // Done, it still says where it was converted (where its logs are).
  d.succeed(id, kT0 + 6 * kSecond);
  const Reply done = d.control("job-status", {{"job_id", id}});
  BOOST_TEST(done.body["job"]["state"] == "done", done.body.dump());
  BOOST_TEST(done.body["job"]["node"] == "drivers", done.body.dump());
}

// missing_capability without saying what is missing is not a hand-back
// (nothing to place it by): an ordinary permanent failure, never a loop.
BOOST_AUTO_TEST_CASE(missing_capability_without_needs_is_a_plain_failure) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("plain", "inc-p", 1, 500 * kGiB), kT0);
  auto found = d.sched->on_found(d.drop("odd.vmdk"), kT0 + kSecond);
  BOOST_TEST_REQUIRE(found.assignments.size() == 1u);
  const std::string id = found.assignments.front().second.job_id;
  d.report(failed(id, "missing_capability", "something is missing"), kT0 + 2 * kSecond);
  BOOST_TEST(d.job(id).state == JobState::Failed);
  BOOST_TEST(d.job(id).needs.empty());
}

BOOST_AUTO_TEST_CASE(capabilities_needed_reads_the_guest_from_small_descriptions_only) {
  Daemon folder(0);  // for its temporary folder
  const fs::path dir = folder.watch;
  write_file(dir / "w.vmx", "guestOS = \"windows9-64\"\n");
  write_file(dir / "l.vmx", "guestOS = \"ubuntu-64\"\n");
  write_file(dir / "broken.json", "{not json");
  write_file(dir / "disk.vmdk", "whatever");
  BOOST_TEST(capabilities_needed(dir / "w.vmx") == std::vector<std::string>{"virtio-win"}, boost::test_tools::per_element());
  BOOST_TEST(capabilities_needed(dir / "l.vmx").empty());
  BOOST_TEST(capabilities_needed(dir / "broken.json").empty());  // the conversion names its error
  BOOST_TEST(capabilities_needed(dir / "disk.vmdk").empty());
  BOOST_TEST(is_windows_hint("winNetStandardGuest"));
  BOOST_TEST(is_windows_hint("windows2019srv_64Guest"));
  BOOST_TEST(!is_windows_hint("debian10_64Guest"));
  BOOST_TEST(!is_windows_hint("darwin64Guest"));
  BOOST_TEST(host_capabilities(true, "") == std::vector<std::string>{"kvm"}, boost::test_tools::per_element());
  BOOST_TEST(host_capabilities(false, dir) == std::vector<std::string>{"virtio-win"}, boost::test_tools::per_element());
  BOOST_TEST(host_capabilities(false, dir / "missing").empty());

  // An OVA: its descriptor is read in place (tar headers, then the .ovf member).
  const auto ovf = [](const std::string& os_type) {
    return "<?xml version=\"1.0\"?>\n"
           "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" "
           "xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" xmlns:vmw=\"http://www.vmware.com/schema/ovf\">\n"
           "  <VirtualSystem ovf:id=\"vm\"><Name>vm</Name>\n"
           "    <OperatingSystemSection ovf:id=\"1\" vmw:osType=\"" + os_type + "\"><Info>os</Info></OperatingSystemSection>\n"
           "  </VirtualSystem>\n</Envelope>\n";
  };
  for (const auto& [name, os_type] : {std::pair<std::string, std::string>{"win", "windows2019srv_64Guest"},
                                      std::pair<std::string, std::string>{"lin", "debian12_64Guest"}}) {
    const fs::path members = dir / ("members-" + name);
    write_file(members / (name + ".ovf"), ovf(os_type));
    write_file(members / (name + "-disk1.vmdk"), std::string(4096, 'x'));
    const std::string cmd = "tar -C '" + members.string() + "' -cf '" + (dir / (name + ".ova")).string() + "' " +
                            name + ".ovf " + name + "-disk1.vmdk";
    BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0, cmd);
  }
  BOOST_TEST(capabilities_needed(dir / "win.ova") == std::vector<std::string>{"virtio-win"}, boost::test_tools::per_element());
  BOOST_TEST(capabilities_needed(dir / "lin.ova").empty());
  write_file(dir / "not-a-tar.ova", "not a tar archive");
  BOOST_TEST(capabilities_needed(dir / "not-a-tar.ova").empty());  // the conversion names its error
}

// Content dedup in a cluster: no watcher reads the files for a key; the
// node that converts a job hashes them (job_assignment.dedup_method) and
// sends the key with job_planned, where the coordinator finds a VM it has
// converted already: that job converts nothing and ends as a duplicate.
BOOST_AUTO_TEST_CASE(the_converting_node_hashes_and_a_vm_already_converted_ends_as_a_duplicate) {
  Daemon d(0);
  as_coordinator(d);
  d.settings.dedup_on_converter = DedupMethod::Xxh128;
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB), kT0);
  const std::string key = "xxh128:0123456789abcdef0123456789abcdef";

  SchedulerEffects fx;
  const std::string first = d.found("web01.ova", kT0 + kSecond, "normal", "", &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.dedup_method == "xxh128");
  const auto l1 = d.lease(first);
  SchedulerEffects pfx;
  const msg::plan_reply r1 =
      d.sched->on_planned({first, l1.epoch, l1.holder, local_date(kT0), "web01", key}, kT0 + 2 * kSecond, pfx);
  BOOST_TEST(r1.duplicate_of.empty());
  BOOST_TEST_REQUIRE(!r1.output_folder.empty());
  BOOST_TEST(d.job(first).dedup_key == key);  // recorded with the reservation
  std::string published;
  d.succeed(first, kT0 + 3 * kSecond, "web01", 12.5, 4096, &published);
  BOOST_TEST(published == r1.output_folder);
  BOOST_TEST(d.job(first).state == JobState::Done);
  BOOST_TEST(d.store->dedup_index().find(key).value_or("(none)") == first);

  // A renamed copy: queued (the watcher knows nothing of its content), hashed
  // by the node to the same key, not converted.
  const std::string copy = d.found("web01-copy.ova", kT0 + 4 * kSecond, "normal", "", &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.job_id == copy);
  BOOST_TEST(fx.assignments.front().second.dedup_method == "xxh128");
  const auto l2 = d.lease(copy);
  const msg::plan_reply r2 =
      d.sched->on_planned({copy, l2.epoch, l2.holder, local_date(kT0), "web01-copy", key}, kT0 + 5 * kSecond, pfx);
  BOOST_TEST(r2.duplicate_of == first);
  BOOST_TEST(r2.output_folder.empty());  // nothing reserved: nothing is converted
  BOOST_TEST(d.job(copy).state == JobState::Running);

  msg::job_outcome dup;
  dup.job_id = copy;
  dup.status = "duplicate";
  dup.error = "duplicate of job " + first;
  auto ofx = d.report(dup, kT0 + 6 * kSecond);
  BOOST_TEST(kinds(ofx) == kinds_of({"duplicate"}), boost::test_tools::per_element());
  BOOST_TEST(event_of(ofx, "duplicate").error == "duplicate of job " + first);
  const Job done = d.job(copy);
  BOOST_TEST(done.state == JobState::Done);
  BOOST_TEST(done.duplicate_of == first);
  BOOST_TEST(done.output_path == fs::path(published));  // where the VM is: the original's folder
  BOOST_TEST(d.store->dedup_index().find(key).value_or("(none)") == first);
  BOOST_TEST(!fs::exists(d.watch / "web01-copy.ova"));  // archived like the original
  BOOST_TEST(fs::exists(d.watch / ".processed" / local_date(kT0 + 6 * kSecond) / "web01-copy.ova"));
  const Reply status = d.control("job-status", {{"job_id", copy}});
  BOOST_TEST(status.body["job"]["duplicate_of"] == first, status.body.dump());

  // A key the watcher already sent (name_size) is not computed again.
  SchedulerEffects nfx = d.sched->on_found(d.drop("db01.ova", "db bytes", "normal", "name_size:db01.ova:8"),
                                           kT0 + 7 * kSecond);
  BOOST_TEST_REQUIRE(nfx.assignments.size() == 1u);
  BOOST_TEST(nfx.assignments.front().second.dedup_method.empty());
}

// A coordinator without content dedup on its nodes asks no node to hash.
BOOST_AUTO_TEST_CASE(without_dedup_on_converter_no_node_hashes) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  d.sched->on_node_hello(hello("conv1", "inc-1", 1, 100 * kGiB), kT0);
  SchedulerEffects fx;
  d.found("web01.ova", kT0 + kSecond, "normal", "", &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.dedup_method.empty());
}

// The scheduler finds a report's slot by job id (an index kept as slots are
// assigned and freed), not by scanning its slot table: 60 jobs on 8 nodes of
// 3 slots, finished in a shuffled order, with one node lost midway. Every
// report of a current lease is accepted, every report of a finished or
// moved lease is stale, and the running count is exact all along.
BOOST_AUTO_TEST_CASE(many_nodes_finishing_in_any_order_each_job_done_once_on_its_own_slot) {
  Daemon d(0);
  as_coordinator(d);
  d.boot(kT0);
  for (int n = 0; n < 8; ++n) {
    const std::string name = "conv" + std::to_string(n);
    BOOST_TEST_REQUIRE(d.sched->on_node_hello(hello(name, "inc-" + name, 3, (100 + 10 * n) * kGiB), kT0).welcome.accepted);
  }
  std::map<std::string, msg::job_assignment> running;  // job -> its current lease
  auto take = [&](const SchedulerEffects& fx) {
    for (const auto& [slot, a] : fx.assignments) {
      BOOST_TEST(d.sched->holder_of(slot) == a.holder);
      running[a.job_id] = a;
    }
  };
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) {
    SchedulerEffects fx;
    ids.push_back(d.found("vm" + std::to_string(i) + ".ova", kT0, "normal", "", &fx));
    take(fx);
  }
  BOOST_TEST(running.size() == 24u);
  BOOST_TEST(d.sched->running() == 24u);

  std::mt19937 rng(20261205);
  std::map<std::string, msg::job_assignment> finished;  // job -> the lease it finished under
  std::int64_t t = kT0 + kSecond;
  bool node_lost = false;
  while (!running.empty()) {
    t += 100;
    if (!node_lost && finished.size() == 20) {
      // conv3's jobs get new leases on the other nodes; its late publish is stale.
      node_lost = true;
      std::vector<msg::job_assignment> held;
      for (const auto& [id, a] : running)
        if (node_of(a.holder) == "conv3") held.push_back(a);
      BOOST_TEST_REQUIRE(!held.empty());
      auto lost = d.commit(d.sched->on_node_lost("conv3", "silent", t));
      for (const auto& a : held) running.erase(a.job_id);
      take(lost);
      for (const auto& a : held) {
        SchedulerEffects pfx;
        BOOST_TEST(!d.sched->on_publish({a.job_id, a.epoch, a.holder}, t, pfx), a.job_id << ": old lease published");
        if (running.count(a.job_id)) BOOST_TEST(running[a.job_id].epoch == a.epoch + 1);
      }
      BOOST_TEST(d.sched->running() == running.size());
      continue;
    }
    auto it = std::next(running.begin(), static_cast<long>(rng() % running.size()));
    const msg::job_assignment a = it->second;
    running.erase(it);
    BOOST_TEST(d.lease(a.job_id).holder == a.holder);
    BOOST_TEST(d.lease(a.job_id).epoch == a.epoch);
    take(d.succeed(a.job_id, t));
    finished[a.job_id] = a;
    BOOST_TEST(d.state_of(a.job_id) == JobState::Done);
    BOOST_TEST(d.sched->running() == running.size());
    // The finished lease's duplicate outcome changes nothing.
    msg::job_outcome dup = succeeded(a.job_id, d.job(a.job_id).output_path.generic_string());
    dup.epoch = a.epoch;
    dup.holder = a.holder;
    auto dfx = d.sched->on_outcome(dup, t);
    BOOST_TEST(kinds(dfx) == kinds_of({"stale_result"}), boost::test_tools::per_element());
    BOOST_TEST(dfx.assignments.empty());
  }
  BOOST_TEST(node_lost);
  BOOST_TEST(finished.size() == 60u);
  for (const auto& id : ids) BOOST_TEST(d.state_of(id) == JobState::Done, id);
  for (const auto& [id, a] : finished) BOOST_TEST((node_of(a.holder) != "conv3" || a.epoch == 1u), id);
  BOOST_TEST(d.sched->running() == 0u);
  auto st = d.control("status", json::object(), t + kSecond);
  BOOST_TEST(st.body["running"] == 0);
}

BOOST_AUTO_TEST_SUITE_END()
