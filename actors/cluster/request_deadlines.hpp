#pragma once
// Deadlines of the requests a node's link has in flight to the coordinator,
// kept by the link itself and checked on its heartbeat tick.
//
// Why not CAF's request timeouts: CAF 0.17 never cancels one. Each timed
// request puts an entry in the actor clock (waking its thread) that stays
// there after the answer came, until it expires and delivers a timeout
// message that the link then wakes up to drop. With three such requests
// per job (output folder, publish, outcome), the clock thread took ~14 % of
// a node process's CPU in the dispatch benchmark. So those requests go out
// with no CAF timeout, and each one opens a deadline here: its answer
// closes it; an error, or the deadline passing first, runs the request's
// one "lost" action (the link holds it for the next try), and an answer or
// error arriving after that is ignored, exactly as CAF drops a late
// response.
//
// Plain data, no actors: tested on its own (tests/unit/cluster).
#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace h2k {

class RequestDeadlines {
 public:
  using Token = std::uint64_t;
  // What to do with a request that got no answer (`why`: an error, or the
  // deadline): kept once here, whichever way it is lost.
  using OnLost = std::function<void(const std::string& why)>;

  // A request sent now: `on_lost` runs if nothing closes it by `deadline_ms`.
  Token open(std::int64_t deadline_ms, OnLost on_lost);

  // Its answer arrived: true if the request was still open (act on the
  // answer), false if it was lost first (ignore it).
  bool close(Token token);

  // Its error arrived: runs `on_lost` if the request was still open; false
  // (nothing run) if it was lost first.
  bool fail(Token token, const std::string& why);

  // Runs `on_lost` (with `why`) of every request whose deadline is at or
  // before `now_ms`, oldest first; returns how many. An action may open new
  // requests: they are not expired in the same call.
  std::size_t expire(std::int64_t now_ms, const std::string& why);

  std::size_t open_count() const { return open_.size(); }

 private:
  struct Entry {
    std::int64_t deadline_ms;
    OnLost on_lost;
  };
  Token next_ = 1;
  std::map<Token, Entry> open_;  // tokens increase: map order is sending order
};

}  // namespace h2k
