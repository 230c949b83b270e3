#pragma once
// Progress of a running `qemu-img convert -p`: parses its "(12.34/100%)"
// redraws and turns them into throttled ProgressEvents with bytes, rate and
// ETA. Time is passed in, so the throttling is tested without sleeping.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/progress.hpp"

namespace h2k {

// The percentage in a qemu-img progress line ("    (12.34/100%)"), if any.
std::optional<double> parse_qemu_progress(std::string_view line);

class CopyProgressReporter {
public:
  using Clock = std::chrono::steady_clock;

  // `total_bytes` is the disk's virtual size: qemu-img's percentage is of the
  // guest-visible bytes, so that is what bytes_done counts.
  CopyProgressReporter(ProgressSink sink, std::string item, std::uint64_t total_bytes, Clock::time_point start,
                       Clock::duration min_interval = std::chrono::milliseconds(500));

  // Emits an event when it is the first one, when 100% is reached, or when
  // `min_interval` has passed since the last one and the percentage grew.
  // Values below the last one are ignored so events are monotonic.
  void update(double percent, Clock::time_point now);

  // Emits the final 100% event unless it was already sent.
  void finish(Clock::time_point now);

  int events_sent() const { return events_sent_; }

private:
  void emit(double percent, Clock::time_point now);

  ProgressSink sink_;
  std::string item_;
  std::uint64_t total_bytes_;
  Clock::time_point start_;
  Clock::duration min_interval_;
  Clock::time_point last_emit_{};
  double last_percent_ = -1;   // highest seen
  double last_emitted_ = -1;
  int events_sent_ = 0;
};

}  // namespace h2k
