// The real coordinator_link_actor against a coordinator that does not
// answer a request: the link's own deadline (not a CAF timeout) holds the
// request and sends it again on a later heartbeat tick; the answer to the
// second try reaches the slot; the first try's answer, arriving late, is
// ignored (it is not held and sent a third time).
//
// The coordinator here is a stand-in implementing the scheduler's typed
// interface in this process (the real one is tested over the network by
// the cluster tests): what is under test is the link.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <filesystem>

#include <caf/all.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "actors/cluster/coordinator_link_actor.hpp"
#include "actors/cluster/share_marker.hpp"
#include "messages/register_messages.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace std::chrono_literals;

namespace {

struct stand_in_state {
  int planned_seen = 0;
  std::optional<caf::typed_response_promise<msg::plan_reply>> withheld;  // the first try, unanswered
  static inline const char* name = "stand_in_coordinator";
};

// Welcomes the node, withholds its first output-folder request, answers the
// later ones; "release" answers the withheld one (late) with an error, and
// "count" tells how many output-folder requests arrived.
msg::scheduler_actor::behavior_type stand_in_coordinator(msg::scheduler_actor::stateful_pointer<stand_in_state> self) {
  return {
      [](msg::vm_found&) {},
      [](msg::watch_problem&) {},
      [](msg::job_progress&) {},
      [](msg::job_outcome&) {},
      [](msg::tick_atom) {},
      [](msg::commit_atom) {},
      [](msg::silence_atom, std::int64_t) {},
      [](msg::shutdown_atom) {},
      [self](msg::job_planned& p) -> caf::typed_response_promise<msg::plan_reply> {
        auto rp = self->make_response_promise<msg::plan_reply>();
        if (++self->state.planned_seen == 1) self->state.withheld = rp;
        else rp.deliver(msg::plan_reply{"2026-12-05/" + p.vm_name, ""});
        return rp;
      },
      [](msg::publish_request&) { return true; },
      [self](msg::control_command& c) -> msg::control_reply {
        if (c.command == "release" && self->state.withheld) {
          self->state.withheld->deliver(caf::make_error(caf::sec::runtime_error));
          self->state.withheld.reset();
        }
        return {true, std::to_string(self->state.planned_seen)};
      },
      [](msg::node_hello&) { return msg::node_welcome{true, "", {}}; },
      [](msg::node_status&) { return true; },
  };
}

int planned_seen(caf::scoped_actor& self, const msg::scheduler_actor& coordinator, const std::string& command) {
  int n = -1;
  self->request(coordinator, 5s, msg::control_command{command, "{}"})
      .receive([&](msg::control_reply& r) { n = std::stoi(r.body_json); },
               [&](caf::error& e) { BOOST_FAIL("the stand-in did not answer: " + caf::to_string(e)); });
  return n;
}

// A converter node's link settings, heartbeats every 100 ms.
LinkSettings test_link(std::chrono::milliseconds request_timeout) {
  LinkSettings ls;
  ls.node_name = "conv-test";
  ls.roles = {"converter"};
  ls.scratch_dir = "/tmp";
  ls.heartbeat_interval = 100ms;
  ls.request_timeout = request_timeout;
  return ls;
}

// The actor system with a stand-in coordinator and a link connected to it.
// Both actors are killed on the way out, so that a failed check ends the
// test instead of leaving the system waiting for them.
struct LinkRig {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  msg::scheduler_actor coordinator;
  msg::coordinator_link_actor link;

  // `spawn_coordinator`: the stand-in (default: stand_in_coordinator).
  explicit LinkRig(LinkSettings ls,
                   const std::function<msg::scheduler_actor(caf::actor_system&)>& spawn_coordinator = {}) {
    msg::register_messages(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    coordinator = spawn_coordinator ? spawn_coordinator(*sys) : sys->spawn(stand_in_coordinator);
    auto log = std::make_shared<spdlog::logger>("link-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    link = sys->spawn(coordinator_link_actor_fn, std::move(ls), SlotFactory{}, log, SlotFactory{});
    caf::anon_send(link, coordinator);
  }
  ~LinkRig() {
    caf::anon_send_exit(link, caf::exit_reason::kill);
    caf::anon_send_exit(coordinator, caf::exit_reason::kill);
    link = msg::coordinator_link_actor{};
    coordinator = msg::scheduler_actor{};
    sys.reset();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(coordinator_link)

BOOST_AUTO_TEST_CASE(an_unanswered_request_is_sent_again_after_its_deadline_and_a_late_answer_is_ignored) {
  // Room for a loaded machine: only a try left unanswered this long is sent again.
  LinkRig rig(test_link(1000ms));
  auto& link = rig.link;
  auto& coordinator = rig.coordinator;
  caf::scoped_actor self{*rig.sys};
  // A slot's output-folder request: the link forwards it once registered;
  // the stand-in leaves that first try unanswered.
  const auto asked = std::chrono::steady_clock::now();
  std::string folder;
  self->request(link, 10s, msg::job_planned{"job-1", 1, "conv-test/slot-1", "2026-12-05", "web", ""})
      .receive([&](msg::plan_reply& r) { folder = r.output_folder; },
               [&](caf::error& e) { BOOST_FAIL("the link did not answer: " + caf::to_string(e)); });
  const auto waited = std::chrono::steady_clock::now() - asked;
  BOOST_TEST(folder == "2026-12-05/web", "the second try's answer reached the slot");
  BOOST_TEST(planned_seen(self, coordinator, "count") == 2, "the unanswered request was sent exactly once more");
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() >= 1000,
             "not sent again before its deadline");

  // The first try's answer, late (an error): already given up on, it must
  // not be held and sent a third time.
  planned_seen(self, coordinator, "release");
  std::this_thread::sleep_for(1500ms);  // 15 heartbeat ticks: a held request would have gone out again
  BOOST_TEST(planned_seen(self, coordinator, "count") == 2, "the late answer was ignored");
}

namespace {

struct revoking_state {
  int hellos = 0;
  bool hold_welcome = false;  // the second welcome waits for a job_progress of job "welcome"
  std::optional<caf::typed_response_promise<msg::node_welcome>> held_welcome;
  msg::node_welcome held_welcome_value;
  std::vector<std::string> planned, outcomes;  // "<job>@<epoch>" as they arrived
  static inline const char* name = "revoking_coordinator";
};

// Welcomes the node's first registration; every later one is told that all
// the leases it claims were given away (as after the node was declared
// dead). Answers every output-folder request; "seen" tells what arrived.
msg::scheduler_actor::behavior_type revoking_coordinator(msg::scheduler_actor::stateful_pointer<revoking_state> self,
                                                         bool hold_welcome) {
  auto tag = [](const std::string& id, std::uint64_t epoch) { return id + "@" + std::to_string(epoch); };
  self->state.hold_welcome = hold_welcome;
  return {
      [](msg::vm_found&) {},
      [](msg::watch_problem&) {},
      [self](msg::job_progress& p) {
        if (p.job_id == "welcome" && self->state.held_welcome) {
          self->state.held_welcome->deliver(self->state.held_welcome_value);
          self->state.held_welcome.reset();
        }
      },
      [self, tag](msg::job_outcome& o) { self->state.outcomes.push_back(tag(o.job_id, o.epoch)); },
      [](msg::tick_atom) {},
      [](msg::commit_atom) {},
      [](msg::silence_atom, std::int64_t) {},
      [](msg::shutdown_atom) {},
      [self, tag](msg::job_planned& p) {
        self->state.planned.push_back(tag(p.job_id, p.epoch));
        return msg::plan_reply{"2026-12-06/" + p.vm_name, ""};
      },
      [](msg::publish_request&) { return true; },
      [self](msg::control_command&) -> msg::control_reply {
        std::string out = "hellos=" + std::to_string(self->state.hellos) + " planned=";
        for (auto& p : self->state.planned) out += p + ",";
        out += " outcomes=";
        for (auto& o : self->state.outcomes) out += o + ",";
        return {true, out};
      },
      [self](msg::node_hello& h) -> caf::typed_response_promise<msg::node_welcome> {
        auto rp = self->make_response_promise<msg::node_welcome>();
        msg::node_welcome w{true, "", {}};
        if (++self->state.hellos > 1)
          for (auto& l : h.leases) w.revoked.push_back(l.job_id);
        if (self->state.hellos > 1 && self->state.hold_welcome) {
          self->state.held_welcome = rp;
          self->state.held_welcome_value = w;
        } else {
          rp.deliver(w);
        }
        return rp;
      },
      [](msg::node_status&) { return true; },
  };
}

std::string seen(caf::scoped_actor& self, const msg::scheduler_actor& coordinator) {
  std::string out;
  self->request(coordinator, 5s, msg::control_command{"seen", "{}"})
      .receive([&](msg::control_reply& r) { out = r.body_json; },
               [&](caf::error& e) { BOOST_FAIL("the stand-in did not answer: " + caf::to_string(e)); });
  return out;
}

std::string plan(caf::scoped_actor& self, const msg::coordinator_link_actor& link, std::uint64_t epoch) {
  std::string folder = "<no answer>";
  self->request(link, 10s, msg::job_planned{"job-7", epoch, "conv-test/slot-1", "2026-12-06", "db", ""})
      .receive([&](msg::plan_reply& r) { folder = r.output_folder; }, [&](caf::error&) {});
  return folder;
}

}  // namespace

// A lease revoked at a re-registration is dropped by epoch, not by job:
// the coordinator may give the same job a new lease on this very node (it
// was requeued when the node was declared dead), and that lease's reports
// must reach it. Dropping them all by job id left such a job "running" at
// the coordinator with nothing running it (found by cluster.chaos).
BOOST_AUTO_TEST_CASE(a_revoked_lease_is_dropped_by_epoch_and_a_later_lease_of_the_same_job_goes_through) {
  LinkRig rig(test_link(2000ms), [](caf::actor_system& sys) { return sys.spawn(revoking_coordinator, false); });
  auto& link = rig.link;
  auto& coordinator = rig.coordinator;
  caf::scoped_actor self{*rig.sys};

  BOOST_TEST(plan(self, link, 1) == "2026-12-06/db", "epoch 1 reported while it is the node's lease");
  // The connection comes back (a new handle for the coordinator): the node
  // registers again claiming job-7 at epoch 1, and is told it is revoked.
  caf::anon_send(link, coordinator);
  // Until the link has the welcome, epoch 1 is still its lease (forwarded).
  std::string answer;
  int forwarded_before_welcome = 0;
  for (int i = 0; i < 100; ++i) {
    if ((answer = plan(self, link, 1)) == "") break;
    ++forwarded_before_welcome;
    std::this_thread::sleep_for(50ms);
  }
  BOOST_TEST(answer == "", "epoch 1 is revoked: its requests get no folder");
  BOOST_TEST(seen(self, coordinator).find("hellos=2") != std::string::npos);

  // A new lease of job-7 on this node (epoch 2): its reports go through.
  BOOST_TEST(plan(self, link, 2) == "2026-12-06/db", "a later lease of a revoked job reaches the coordinator");
  auto outcome = [](std::uint64_t epoch, const std::string& status) {
    msg::job_outcome o;
    o.job_id = "job-7";
    o.epoch = epoch;
    o.holder = "conv-test/slot-1";
    o.status = status;
    return o;
  };
  caf::anon_send(link, outcome(1, "failed"));  // the revoked attempt, ending
  caf::anon_send(link, outcome(2, "succeeded"));
  std::string s;
  for (int i = 0; i < 100 && (s = seen(self, coordinator)).find("outcomes=job-7@2,") == std::string::npos; ++i)
    std::this_thread::sleep_for(50ms);
  // Only the new lease's outcome arrived (the link sends in order: the
  // revoked one would have come first).
  BOOST_TEST(s.substr(s.find("outcomes=")) == "outcomes=job-7@2,", "outcomes forwarded: " + s);
  std::string epoch1_seen;
  for (int i = 0; i < 1 + forwarded_before_welcome; ++i) epoch1_seen += "job-7@1,";
  BOOST_TEST(s.find("planned=" + epoch1_seen + "job-7@2, ") != std::string::npos,
             "epoch 1's requests after the revocation never reached the coordinator: " + s);
}

// The coordinator revokes the lease the node claimed (epoch 1) and gives
// the job back to this node at once (epoch 2); the new attempt's report
// reaches the link before the welcome does. The welcome revokes epoch 1
// only: epoch 2 is the node's, and its outcome reaches the coordinator.
BOOST_AUTO_TEST_CASE(a_welcome_revokes_the_lease_claimed_not_a_newer_one_that_came_meanwhile) {
  LinkRig rig(test_link(5000ms), [](caf::actor_system& sys) { return sys.spawn(revoking_coordinator, true); });
  auto& link = rig.link;
  auto& coordinator = rig.coordinator;
  caf::scoped_actor self{*rig.sys};

  BOOST_TEST(plan(self, link, 1) == "2026-12-06/db");
  caf::anon_send(link, coordinator);  // registers again, claiming epoch 1; the welcome is held
  std::string s;
  for (int i = 0; i < 100 && (s = seen(self, coordinator)).find("hellos=2") == std::string::npos; ++i)
    std::this_thread::sleep_for(50ms);
  BOOST_TEST_REQUIRE(s.find("hellos=2") != std::string::npos, s);
  // Epoch 2's slot asks for its folder before the welcome is in.
  auto asked = self->request(link, 10s, msg::job_planned{"job-7", 2, "conv-test/slot-1", "2026-12-06", "db", ""});
  std::this_thread::sleep_for(200ms);
  msg::job_progress release;
  release.job_id = "welcome";
  caf::anon_send(coordinator, release);
  std::string folder = "<no answer>";
  asked.receive([&](msg::plan_reply& r) { folder = r.output_folder; }, [&](caf::error&) {});
  BOOST_TEST(folder == "2026-12-06/db", "epoch 2's request went through");
  msg::job_outcome o;
  o.job_id = "job-7";
  o.epoch = 2;
  o.holder = "conv-test/slot-1";
  o.status = "succeeded";
  caf::anon_send(link, o);
  for (int i = 0; i < 100 && (s = seen(self, coordinator)).find("outcomes=job-7@2,") == std::string::npos; ++i)
    std::this_thread::sleep_for(50ms);
  BOOST_TEST(s.find("outcomes=job-7@2,") != std::string::npos, "epoch 2's outcome reached the coordinator: " + s);
  BOOST_TEST(plan(self, link, 1) == "", "epoch 1 stays revoked");
}

// Records, in arrival order, what the node said about its share and the
// outcomes it reported: "hello <id>|<problem>", "status <id>|<problem>",
// "outcome <status>"; "log" answers them joined by newlines.
struct recorder_state {
  std::vector<std::string> seen;
  static inline const char* name = "recording_coordinator";
};

msg::scheduler_actor::behavior_type recording_coordinator(
    msg::scheduler_actor::stateful_pointer<recorder_state> self) {
  return {
      [](msg::vm_found&) {},
      [](msg::watch_problem&) {},
      [](msg::job_progress&) {},
      [self](msg::job_outcome& o) { self->state.seen.push_back("outcome " + o.status); },
      [](msg::tick_atom) {},
      [](msg::commit_atom) {},
      [](msg::silence_atom, std::int64_t) {},
      [](msg::shutdown_atom) {},
      [](msg::job_planned&) { return msg::plan_reply{}; },
      [](msg::publish_request&) { return false; },
      [self](msg::control_command&) -> msg::control_reply {
        std::string all;
        for (const auto& line : self->state.seen) all += line + "\n";
        return {true, all};
      },
      [self](msg::node_hello& h) {
        self->state.seen.push_back("hello " + h.share.id + "|" + h.share.problem);
        return msg::node_welcome{true, "", {}};
      },
      [self](msg::node_status& st) {
        self->state.seen.push_back("status " + st.share.id + "|" + st.share.problem);
        return true;
      },
  };
}

std::string recorded(caf::scoped_actor& self, const msg::scheduler_actor& coordinator) {
  std::string out;
  self->request(coordinator, 5s, msg::control_command{"log", "{}"})
      .receive([&](msg::control_reply& r) { out = r.body_json; },
               [&](caf::error& e) { BOOST_FAIL("the recorder did not answer: " + caf::to_string(e)); });
  return out;
}

BOOST_AUTO_TEST_CASE(a_failure_goes_to_the_coordinator_behind_a_fresh_read_of_the_share) {
  const test::ScratchDir scratch("link-share");
  const std::filesystem::path& share = scratch.path();
  const std::string id = ensure_share_marker(share);
  LinkSettings ls = test_link(2000ms);
  ls.heartbeat_interval = 2000ms;  // no heartbeat status in between: the one before the outcome is the link's own
  ls.share_root = share;
  LinkRig rig(ls, [](caf::actor_system& sys) { return sys.spawn(recording_coordinator); });
  caf::scoped_actor self{*rig.sys};
  auto registered = [&] { return recorded(self, rig.coordinator).find("hello ") != std::string::npos; };
  for (int i = 0; i < 100 && !registered(); ++i) std::this_thread::sleep_for(20ms);
  BOOST_TEST_REQUIRE(recorded(self, rig.coordinator).rfind("hello " + id + "|\n", 0) == 0u,
                     "the registration carries the share's id, read before it");
  // The share goes (an unmount: the marker is not there any more), and a
  // conversion fails because of it.
  std::filesystem::remove(share / kShareMarkerName);
  msg::job_outcome o;
  o.job_id = "job-1";
  o.epoch = 1;
  o.holder = "conv-test/slot-1";
  o.status = "failed";
  o.error_kind = "io_error";
  o.error = "cannot open the source: No such file or directory";
  caf::anon_send(rig.link, o);
  auto reported = [&] { return recorded(self, rig.coordinator).find("outcome failed") != std::string::npos; };
  for (int i = 0; i < 100 && !reported(); ++i) std::this_thread::sleep_for(20ms);
  const std::string log = recorded(self, rig.coordinator);
  BOOST_TEST_MESSAGE(log);
  const auto outcome = log.find("outcome failed");
  BOOST_TEST_REQUIRE(outcome != std::string::npos, "the failure reached the coordinator");
  const auto status = log.rfind("status ", outcome);
  BOOST_TEST_REQUIRE(status != std::string::npos, "a status came before the failure");
  const std::string line = log.substr(status, log.find('\n', status) - status);
  BOOST_TEST(line.find((share / kShareMarkerName).string() + " is missing") != std::string::npos, line);
}

BOOST_AUTO_TEST_SUITE_END()
