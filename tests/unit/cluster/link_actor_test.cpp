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
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <caf/all.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "actors/cluster/coordinator_link_actor.hpp"
#include "messages/register_messages.hpp"

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

// The actor system with a stand-in coordinator and a link connected to it.
// Both actors are killed on the way out, so that a failed check ends the
// test instead of leaving the system waiting for them.
struct LinkRig {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  msg::scheduler_actor coordinator;
  msg::coordinator_link_actor link;

  explicit LinkRig(LinkSettings ls) {
    msg::register_messages(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    coordinator = sys->spawn(stand_in_coordinator);
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
  LinkSettings ls;
  ls.node_name = "conv-test";
  ls.roles = {"converter"};
  ls.scratch_dir = "/tmp";
  ls.heartbeat_interval = 100ms;
  // Room for a loaded machine: only a try left unanswered this long is sent again.
  ls.request_timeout = 1000ms;
  LinkRig rig(ls);
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

BOOST_AUTO_TEST_SUITE_END()
