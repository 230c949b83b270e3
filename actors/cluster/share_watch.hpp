#pragma once
// A node's view of its share, kept by its coordinator link: the probes it
// asked of share_probe_actor (one at a time: a hung mount must not pile up
// blocked reads) and what they saw. Plain data, no actors: tested on its
// own (tests/unit/cluster).
//
// A probe not answered within the timeout makes the share "not responding"
// (a hung hard NFS mount blocks the read forever) until an answer comes.
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "messages/messages.hpp"
#include "messages/node_messages.hpp"

namespace h2k {

class ShareWatch {
 public:
  explicit ShareWatch(std::int64_t answer_timeout_ms = 10000) : timeout_ms_(answer_timeout_ms) {}

  // A probe to send now, numbered; nothing while one is in flight.
  std::optional<std::uint64_t> start(std::int64_t now_ms);
  // An answer (a late one too: the share answers again). Older probes'
  // answers than the newest answered are ignored.
  void answered(std::uint64_t probe, msg::share_view seen);
  // What the node reports: the newest answer, or "not responding" while the
  // probe in flight is older than the timeout. Before any answer: a problem
  // ("not checked yet"), so no job goes to the node before its first probe.
  msg::share_view current(std::int64_t now_ms) const;
  // Whether the probe in flight is past the timeout.
  bool overdue(std::int64_t now_ms) const;
  // The number the next started probe gets: a failure seen now is judged by
  // a probe numbered at least this (one already in flight may have read the
  // share before the failure).
  std::uint64_t next_probe() const { return started_ + 1; }
  std::uint64_t last_answered() const { return answered_; }
  bool in_flight() const { return in_flight_; }

 private:
  std::int64_t timeout_ms_;
  std::uint64_t started_ = 0;
  std::uint64_t answered_ = 0;
  bool in_flight_ = false;
  std::int64_t sent_ms_ = 0;
  msg::share_view seen_{"", "not checked yet"};
};

// Failed outcomes held until a read of the share made since has answered:
// a lost mount fails every job fast, and such a failure is the share's, not
// the job's. Used by a node's link and by a coordinator's own slots.
class OutcomesAwaitingShare {
 public:
  // Whether `o` must wait for a read (a failure, other than a missing
  // capability, which says nothing about the share).
  static bool must_wait(const msg::job_outcome& o);
  void hold(msg::job_outcome o, const ShareWatch& watch) { held_.emplace_back(watch.next_probe(), std::move(o)); }
  // Those whose read has answered (all of them once the read in flight is
  // overdue: the share is not responding), in the order they came.
  std::vector<msg::job_outcome> take_judged(const ShareWatch& watch, std::int64_t now_ms);
  bool empty() const { return held_.empty(); }

 private:
  std::vector<std::pair<std::uint64_t, msg::job_outcome>> held_;  // probe number, outcome
};

// Watchers' reports (a VM found, a problem file) held by a coordinator
// until a read of its own share made since has found the share usable: an
// unmounted share hides every file, and a report dropped as "no longer in
// the queue" is not sent again (a watcher reports a file once). Unlike
// failed outcomes, nothing is released while the share stays unusable.
class IntakeAwaitingShare {
 public:
  using Report = std::variant<msg::vm_found, msg::watch_problem>;
  void hold(Report r, const ShareWatch& watch) { held_.emplace_back(watch.next_probe(), std::move(r)); }
  // Those whose read has answered, when `usable` (what the newest answer
  // says), in the order they came; none otherwise.
  std::vector<Report> take_released(const ShareWatch& watch, bool usable);
  // Whether one waits for a read not started yet (start one).
  bool needs_probe(const ShareWatch& watch) const;
  bool empty() const { return held_.empty(); }
  std::size_t size() const { return held_.size(); }

 private:
  std::vector<std::pair<std::uint64_t, Report>> held_;  // probe number, report
};

}  // namespace h2k
