#pragma once
// The outcome of one delivery attempt to one channel (webhook or SMTP).
#include <string>

namespace h2k {

struct DeliveryResult {
  bool ok = false;
  // Names the channel (URL redacted to scheme and host) and the reason.
  // Never holds the webhook URL's path/query, header values or the SMTP password.
  std::string error;
  // Worth another attempt: connection problems, timeouts, HTTP 5xx and 429,
  // SMTP 4xx. A refused login, a bad certificate, HTTP 4xx are final.
  bool retryable = false;
};

}  // namespace h2k
