#pragma once
// Deadlines of the requests a node's link has in flight to the coordinator,
// kept by the link itself and checked on its heartbeat tick.
//
// Why not CAF's request timeouts: CAF 0.17 never cancels one. Each timed
// request puts an entry in the actor clock (waking its thread) that stays
// there after the answer came, until it expires and delivers a timeout
// message that the link then wakes up to drop. On the path of every job
// (output folder, publish, outcome) that was a third of a node's CPU per
// job in the dispatch benchmark. So those requests go out with no CAF
// timeout, and each one opens a deadline here: its answer (or error)
// closes it; a deadline that passes first runs the request's expiry action
// (the same as its error handler: hold it for the next try), and an answer
// arriving after that is ignored, exactly as CAF drops a late response.
//
// Plain data, no actors: tested on its own (tests/unit/cluster).
#include <cstdint>
#include <functional>
#include <map>

namespace h2k {

class RequestDeadlines {
 public:
  using Token = std::uint64_t;

  // A request sent now: `on_expiry` runs if nothing closes it by `deadline_ms`.
  Token open(std::int64_t deadline_ms, std::function<void()> on_expiry);

  // Its answer or error arrived: true if the request was still open (act on
  // the answer), false if its deadline passed first (ignore it).
  bool close(Token token);

  // Runs the expiry action of every request whose deadline is at or before
  // `now_ms`, oldest first; returns how many. An action may open new
  // requests: they are not expired in the same call.
  std::size_t expire(std::int64_t now_ms);

  std::size_t open_count() const { return open_.size(); }

 private:
  struct Entry {
    std::int64_t deadline_ms;
    std::function<void()> on_expiry;
  };
  Token next_ = 1;
  std::map<Token, Entry> open_;  // tokens increase: map order is sending order
};

}  // namespace h2k
