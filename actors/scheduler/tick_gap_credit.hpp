#pragma once
// How long, between two ticks, the coordinator itself was not there to
// hear its nodes: stopped (SIGSTOP, its VM paused), starved of CPU, or its
// wall clock stepped forward. Node silence is measured on the wall clock
// (the time of each node's last heartbeat), so without this credit a
// coordinator paused longer than node_timeout would, on waking, declare
// every node dead and restart every running conversion of the cluster:
// the silence was its own. Pure arithmetic; the scheduler actor feeds it
// its ticks and hands the credit to JobScheduler::on_coordinator_pause.
#include <algorithm>
#include <cstdint>

namespace h2k {

class TickGapCredit {
 public:
  // `tick_interval_ms`: how often ticks are due.
  explicit TickGapCredit(std::int64_t tick_interval_ms) : interval_ms_(tick_interval_ms) {}

  // A tick at these readings of the monotonic and the wall clock: the ms
  // of wall time since the previous tick that were not a tick interval of
  // the coordinator running (0 for the first tick, one late by less than
  // half an interval, or a wall clock stepped back).
  std::int64_t on_tick(std::int64_t steady_ms, std::int64_t wall_ms) {
    const std::int64_t credit = seen_ ? credit_at(steady_ms, wall_ms) : 0;
    seen_ = true;
    last_steady_ms_ = steady_ms;
    last_wall_ms_ = wall_ms;
    return credit;
  }

  // Whether, at these readings, the coordinator has been running since a
  // tick: there was one, and a tick now would be credited nothing. Silence
  // may be judged between ticks only then, since only a tick credits a pause.
  bool running_since_last_tick(std::int64_t steady_ms, std::int64_t wall_ms) const {
    return seen_ && credit_at(steady_ms, wall_ms) == 0;
  }

 private:
  std::int64_t credit_at(std::int64_t steady_ms, std::int64_t wall_ms) const {
    const std::int64_t steady_gap = steady_ms - last_steady_ms_;
    const std::int64_t wall_gap = wall_ms - last_wall_ms_;
    const std::int64_t credit = std::max<std::int64_t>(0, wall_gap - std::min(steady_gap, interval_ms_));
    // A tick a little late (a busy coordinator) is not a pause: crediting
    // it would slow the detection of a silent node on a loaded one.
    return credit < interval_ms_ / 2 ? 0 : credit;
  }

  std::int64_t interval_ms_;
  bool seen_ = false;
  std::int64_t last_steady_ms_ = 0;
  std::int64_t last_wall_ms_ = 0;
};

}  // namespace h2k
