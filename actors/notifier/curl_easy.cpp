// libcurl easy handle shared setup, error texts, transient errors.
#include "actors/notifier/curl_easy.hpp"

#include <mutex>
#include <stdexcept>

namespace h2k::notify {

namespace {

// libcurl's process-wide initialisation must run once before any handle is
// made (it is not reference counted per handle); a once_flag is the only
// state this needs.
void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

int abort_when_cancelled(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* flag = static_cast<const std::atomic<bool>*>(cancel);
  return flag != nullptr && flag->load() ? 1 : 0;  // non-zero: CURLE_ABORTED_BY_CALLBACK
}

}  // namespace

CurlEasy::CurlEasy() {
  global_init_once();
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw std::runtime_error("libcurl: cannot create a transfer handle");
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
}

CurlEasy::~CurlEasy() { curl_easy_cleanup(curl_); }

void CurlEasy::set_common(std::chrono::milliseconds connect_timeout, std::chrono::milliseconds total_timeout,
                          const std::filesystem::path& ca_file, const std::atomic<bool>* cancel) {
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));
  if (!ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, ca_file.c_str());
  if (cancel != nullptr) {
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, &abort_when_cancelled);
    curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(cancel));
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
  }
}

CURLcode CurlEasy::perform() {
  error_[0] = '\0';
  return curl_easy_perform(curl_);
}

std::string CurlEasy::describe(CURLcode code) const {
  std::string text = error_[0] != '\0' ? std::string(error_) : std::string(curl_easy_strerror(code));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE)
    text += " (a server with a private CA needs notifications.tls_ca_file)";
  if (code == CURLE_ABORTED_BY_CALLBACK) text = "aborted: the notifier is shutting down";
  return text;
}

std::string scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
      text.replace(pos, secret.size(), "***");
  }
  return text;
}

bool transient_curl_error(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

}  // namespace h2k::notify
