#pragma once
// When a failed conversion is tried again, and after how long. Pure: the
// scheduler asks it after a failure and then records the answer in the
// JobStore (mark_retry_wait or mark_failed).
//
// Meaning of the config keys (retry_policy: in daemon.yaml), as in the Python
// daemon's guide: the first attempt runs at once; after it fails with a
// retryable error, retry number k (k = 1..max_retries) waits
// retry_delay * backoff_multiplier^(k-1). max_retries counts retries, not
// attempts: max_retries 3 means up to 4 attempts (the guide's schedules for
// 3, 5 and 2 retries all read that way; one stray comment there disagrees).
#include <chrono>

#include "engine/core/error.hpp"

namespace h2k {

struct RetryPolicy {
  // A longer wait is never useful for a watch folder, and the cap keeps a
  // large multiplier from overflowing into nonsense (or a negative time).
  static constexpr std::chrono::milliseconds kMaxDelay = std::chrono::hours(24);

  bool enabled = true;
  int max_retries = 3;
  std::chrono::milliseconds retry_delay = std::chrono::seconds(300);
  double backoff_multiplier = 2.0;

  // Wait before the next retry when `retries_done` retries already happened
  // (0 for the first retry): retry_delay * backoff_multiplier^retries_done,
  // at most kMaxDelay.
  std::chrono::milliseconds delay(int retries_done) const;

  // Whether a job that has now failed `attempts` times (attempts >= 1, the
  // failure just seen included) with an error of `kind` gets another attempt:
  // only for retryable kinds (h2k::is_retryable), only while enabled, and only
  // while fewer than max_retries retries were made.
  bool should_retry(ErrorKind kind, int attempts) const;
};

}  // namespace h2k
