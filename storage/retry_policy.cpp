#include "storage/retry_policy.hpp"

#include <cmath>

namespace h2k {

std::chrono::milliseconds RetryPolicy::delay(int retries_done) const {
  if (retries_done < 0) retries_done = 0;
  // Computed in double: backoff_multiplier^n overflows any integer quickly.
  const double ms = static_cast<double>(retry_delay.count()) *
                    std::pow(backoff_multiplier, static_cast<double>(retries_done));
  const double cap = static_cast<double>(kMaxDelay.count());
  if (!std::isfinite(ms) || ms >= cap) return kMaxDelay;
  if (ms <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(std::llround(ms)));
}

bool RetryPolicy::should_retry(ErrorKind kind, int attempts) const {
  if (!enabled || !is_retryable(kind)) return false;
  const int retries_done = attempts - 1;  // the first attempt is not a retry
  return retries_done >= 0 && retries_done < max_retries;
}

}  // namespace h2k
