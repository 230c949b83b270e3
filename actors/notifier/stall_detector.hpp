#pragma once
// Decides when the daemon looks stalled: work is waiting (queued > 0) and no
// job finished for `interval`, counted from the later of the last finish and
// the moment work started waiting (an idle daemon that just got a file is
// not stalled). Fires once per stall; a finish or an empty queue re-arms it.
// Pure: the caller feeds it times and counts (the notifier actor's tick).
#include <chrono>
#include <cstdint>
#include <optional>

#include "actors/notifier/notification.hpp"

namespace h2k {

class StallDetector {
public:
  explicit StallDetector(std::chrono::milliseconds interval);

  // A job finished (succeeded, failed, ...): progress was made.
  void on_finish(std::int64_t now_ms);
  // The scheduler's counts changed (msg::queue_state).
  void on_queue(std::uint64_t queued, std::uint64_t running, std::int64_t now_ms);
  // The stall notification if one is due now, else nullopt.
  std::optional<Notification> check(std::int64_t now_ms);

private:
  std::chrono::milliseconds interval_;
  std::uint64_t queued_ = 0;
  std::uint64_t running_ = 0;
  std::optional<std::int64_t> waiting_since_;  // when queued became > 0
  std::optional<std::int64_t> last_finish_;
  bool fired_ = false;
};

}  // namespace h2k
