// StallDetector: time arithmetic only.
#include "actors/notifier/stall_detector.hpp"

#include <algorithm>

namespace h2k {

StallDetector::StallDetector(std::chrono::milliseconds interval) : interval_(interval) {}

void StallDetector::on_finish(std::int64_t now_ms) {
  last_finish_ = now_ms;
  fired_ = false;
}

void StallDetector::on_queue(std::uint64_t queued, std::uint64_t running, std::int64_t now_ms) {
  queued_ = queued;
  running_ = running;
  if (queued == 0) {
    waiting_since_.reset();
    fired_ = false;
  } else if (!waiting_since_) {
    waiting_since_ = now_ms;
  }
}

std::optional<Notification> StallDetector::check(std::int64_t now_ms) {
  if (queued_ == 0 || !waiting_since_ || fired_) return std::nullopt;
  const std::int64_t since = std::max(*waiting_since_, last_finish_.value_or(*waiting_since_));
  const std::chrono::milliseconds idle(now_ms - since);
  if (idle < interval_) return std::nullopt;
  fired_ = true;
  return stall_notification(idle, queued_, running_, now_ms);
}

}  // namespace h2k
