// The real converter slot (converter_actor_fn) against a stand-in for the
// scheduler it reports to: what happens to assignments that arrive while
// the slot is still busy with an attempt that is ending. In a cluster that
// is ordinary: a node declared dead registers again, the coordinator
// revokes the attempt its slot still runs and assigns the slot anew, and
// the assignment reaches the slot before the cancel (which goes through
// the node's link). The stand-in holds the first attempt's request for an
// output folder (keeping the slot busy) until told to answer it; every
// request is answered "no folder", so each attempt ends at once, failed.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/converter/converter_actor.hpp"
#include "messages/register_messages.hpp"

using namespace h2k;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// What the stand-in saw, shared with the test thread.
struct Seen {
  std::mutex mu;
  std::vector<std::string> planned;   // "<job>@<epoch>"
  std::vector<std::string> outcomes;  // "<job>@<epoch> <status>: <error>"
  std::vector<std::string> snapshot_planned() {
    std::lock_guard l(mu);
    return planned;
  }
  std::vector<std::string> snapshot_outcomes() {
    std::lock_guard l(mu);
    return outcomes;
  }
};

struct stand_in_state {
  std::optional<caf::typed_response_promise<msg::plan_reply>> withheld;
  static inline const char* name = "stand_in_scheduler";
};

// Holds the first output-folder request; a job_progress of job "release"
// answers it. Every answer is "no folder" (a refused lease).
msg::job_report_actor::behavior_type stand_in(msg::job_report_actor::stateful_pointer<stand_in_state> self,
                                              std::shared_ptr<Seen> seen) {
  return {
      [self](msg::job_progress& p) {
        if (p.job_id == "release" && self->state.withheld) {
          self->state.withheld->deliver(msg::plan_reply{});
          self->state.withheld.reset();
        }
      },
      [seen](msg::job_outcome& o) {
        std::lock_guard l(seen->mu);
        seen->outcomes.push_back(o.job_id + "@" + std::to_string(o.epoch) + " " + o.status + ": " + o.error);
      },
      [self, seen](msg::job_planned& p) -> caf::typed_response_promise<msg::plan_reply> {
        bool first = false;
        {
          std::lock_guard l(seen->mu);
          seen->planned.push_back(p.job_id + "@" + std::to_string(p.epoch));
          first = seen->planned.size() == 1;
        }
        auto rp = self->make_response_promise<msg::plan_reply>();
        if (first) self->state.withheld = rp;
        else rp.deliver(msg::plan_reply{});
        return rp;
      },
      [](msg::publish_request&) { return false; },
  };
}

msg::job_assignment assignment(const std::string& id, std::uint64_t epoch, const std::string& file) {
  msg::job_assignment a;
  a.job_id = id;
  a.epoch = epoch;
  a.holder = "conv-test/slot-1";
  a.sources = {file};
  a.file_type = "raw";
  a.output_subdir = "2026-12-06";
  a.staging_tag = id + ".e" + std::to_string(epoch) + ".test";
  return a;
}

bool wait_for(const std::function<bool()>& cond) {
  for (int i = 0; i < 200; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return cond();
}

struct SlotRig {
  fs::path dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<Seen> seen = std::make_shared<Seen>();
  msg::job_report_actor scheduler;
  msg::converter_actor slot;

  SlotRig() {
    dir = fs::temp_directory_path() / ("h2k-slot-test-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "queue");
    for (const char* f : {"a.raw", "b.raw", "c.raw"}) std::ofstream(dir / "queue" / f) << std::string(4096, '\0');
    msg::register_messages(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    scheduler = sys->spawn(stand_in, seen);
    ConverterSettings s;
    s.watch_root = dir / "queue";
    s.output_root = dir / "out";
    slot = sys->spawn(converter_actor_fn, scheduler, s);
  }
  ~SlotRig() {
    caf::anon_send(slot, msg::shutdown_atom::value);
    caf::anon_send_exit(scheduler, caf::exit_reason::kill);
    slot = msg::converter_actor{};
    scheduler = msg::job_report_actor{};
    sys.reset();
    fs::remove_all(dir);
  }
  void release_first() {
    msg::job_progress p;
    p.job_id = "release";
    caf::anon_send(scheduler, p);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(converter_slot)

// Two assignments while the slot is busy: the scheduler assigns a slot only
// once it holds no lease of it, so the second makes the first one's lease
// void. The newest starts when the slot is free; none fails "slot busy"
// (which the scheduler would charge as an attempt).
BOOST_AUTO_TEST_CASE(assignments_while_busy_wait_and_the_newest_replaces_a_held_one) {
  SlotRig rig;
  caf::anon_send(rig.slot, assignment("job-a", 1, "a.raw"));
  BOOST_TEST_REQUIRE(wait_for([&] { return rig.seen->snapshot_planned().size() == 1; }), "job-a asked for a folder");
  caf::anon_send(rig.slot, assignment("job-b", 1, "b.raw"));
  caf::anon_send(rig.slot, assignment("job-c", 1, "c.raw"));
  std::this_thread::sleep_for(300ms);
  BOOST_TEST(rig.seen->snapshot_outcomes().empty(), "nothing reported while job-a still runs");
  rig.release_first();
  BOOST_TEST_REQUIRE(wait_for([&] { return rig.seen->snapshot_outcomes().size() >= 2; }));
  std::this_thread::sleep_for(300ms);  // anything more would show now
  const auto planned = rig.seen->snapshot_planned();
  const auto outcomes = rig.seen->snapshot_outcomes();
  BOOST_TEST(planned == (std::vector<std::string>{"job-a@1", "job-c@1"}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(outcomes.size() == 2u);
  BOOST_TEST(outcomes[0].rfind("job-a@1 failed", 0) == 0, outcomes[0]);
  BOOST_TEST(outcomes[1].rfind("job-c@1 failed", 0) == 0, outcomes[1]);
  for (const auto& o : outcomes) BOOST_TEST(o.find("slot busy") == std::string::npos, o);
}

// A revoked attempt of job-a still runs when job-a's new lease (epoch 2)
// arrives, then the revocation's cancel for job-a: it is for the attempt
// running, not for the new lease held behind it.
BOOST_AUTO_TEST_CASE(a_cancel_goes_to_the_running_attempt_before_a_held_lease_of_the_same_job) {
  SlotRig rig;
  caf::anon_send(rig.slot, assignment("job-a", 1, "a.raw"));
  BOOST_TEST_REQUIRE(wait_for([&] { return rig.seen->snapshot_planned().size() == 1; }));
  caf::anon_send(rig.slot, assignment("job-a", 2, "a.raw"));
  caf::anon_send(rig.slot, msg::cancel_atom::value, std::string("job-a"));
  std::this_thread::sleep_for(300ms);
  BOOST_TEST(rig.seen->snapshot_outcomes().empty(), "the held lease was not reported cancelled");
  rig.release_first();
  BOOST_TEST_REQUIRE(wait_for([&] { return rig.seen->snapshot_outcomes().size() >= 2; }));
  const auto planned = rig.seen->snapshot_planned();
  BOOST_TEST(planned == (std::vector<std::string>{"job-a@1", "job-a@2"}), boost::test_tools::per_element());
  const auto outcomes = rig.seen->snapshot_outcomes();
  BOOST_TEST(outcomes[1].rfind("job-a@2 failed", 0) == 0, outcomes[1]);
}

BOOST_AUTO_TEST_SUITE_END()
