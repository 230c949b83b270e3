#pragma once
// Internal to the notifier's delivery: one libcurl easy handle with what
// both channels set the same way (timeouts, no signals, CA file, abort on
// shutdown), the error text of a failed transfer with secrets removed, and
// which curl errors are worth retrying.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <curl/curl.h>

namespace h2k::notify {

class CurlEasy {
public:
  CurlEasy();  // throws std::runtime_error when libcurl cannot make a handle
  ~CurlEasy();
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;

  CURL* get() const { return curl_; }

  // Connect and whole-transfer deadlines, CURLOPT_NOSIGNAL (we run in a
  // worker thread of a daemon), CURLOPT_CAINFO when `ca_file` is set, and an
  // abort as soon as *cancel becomes true (checked about every second and
  // during connects, so a shutdown need not wait for the timeout).
  void set_common(std::chrono::milliseconds connect_timeout, std::chrono::milliseconds total_timeout,
                  const std::filesystem::path& ca_file, const std::atomic<bool>* cancel);

  // Runs the transfer; returns curl's code.
  CURLcode perform();

  // curl's own description of the last failure (its error buffer, else the
  // generic text for `code`), with a hint for certificate problems.
  std::string describe(CURLcode code) const;

private:
  CURL* curl_ = nullptr;
  char error_[CURL_ERROR_SIZE] = {};
};

// `text` with every non-empty secret replaced by "***".
std::string scrub(std::string text, const std::vector<std::string>& secrets);

// Connection-level failures that may well pass on their own.
bool transient_curl_error(CURLcode code);

}  // namespace h2k::notify
