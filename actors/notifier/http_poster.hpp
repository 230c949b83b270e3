#pragma once
// POSTs a JSON payload to a webhook with libcurl. Only http:// and https://,
// redirects are not followed (a webhook that moved is a configuration error,
// and following could leak the payload elsewhere), deadlines keep a dead
// endpoint from holding the notifier.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/notifier/delivery_result.hpp"

namespace h2k {

struct HttpPosterOptions {
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
  std::chrono::milliseconds total_timeout = std::chrono::seconds(15);
  std::filesystem::path ca_file;  // CURLOPT_CAINFO; empty: system CAs
};

class HttpPoster {
public:
  // `url` and the header values are secrets: they never appear in errors.
  HttpPoster(std::string url, std::map<std::string, std::string> headers, HttpPosterOptions options = {});

  // One POST with Content-Type: application/json and the custom headers.
  // 2xx is success. `cancel` (optional) aborts the transfer when set.
  DeliveryResult post_json(const nlohmann::json& payload, const std::atomic<bool>* cancel = nullptr) const;
  // The same with a body already serialized and headers of this request
  // (added to the configured ones).
  DeliveryResult post_body(const std::string& body, const std::map<std::string, std::string>& extra_headers,
                           const std::atomic<bool>* cancel = nullptr) const;

  // "webhook https://hooks.slack.com/***", for log lines.
  std::string describe() const;

private:
  std::string url_;
  std::map<std::string, std::string> headers_;
  HttpPosterOptions options_;
};

}  // namespace h2k
