// Webhook delivery over libcurl.
#include "actors/notifier/http_poster.hpp"

#include <cctype>
#include <memory>
#include <vector>

#include "actors/notifier/curl_easy.hpp"
#include "actors/settings/redact_url.hpp"

namespace h2k {

namespace {

constexpr std::size_t kKeepResponse = 4096;  // enough of an error body to say why

size_t keep_response(char* data, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  const size_t bytes = size * n;
  if (body->size() < kKeepResponse) body->append(data, std::min(bytes, kKeepResponse - body->size()));
  return bytes;
}

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\r' || c == '\n') c = ' ';
  return s;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

HttpPoster::HttpPoster(std::string url, std::map<std::string, std::string> headers, HttpPosterOptions options)
    : url_(std::move(url)), headers_(std::move(headers)), options_(std::move(options)) {}

std::string HttpPoster::describe() const { return "webhook " + redact_url(url_); }

DeliveryResult HttpPoster::post_json(const nlohmann::json& payload, const std::atomic<bool>* cancel) const {
  // File names are not always valid UTF-8; replace rather than throw.
  return post_body(payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}, cancel);
}

DeliveryResult HttpPoster::post_body(const std::string& body, const std::map<std::string, std::string>& extra_headers,
                                     const std::atomic<bool>* cancel) const {
  // Secrets that must not reach an error text: the URL's path and query
  // (Slack/Discord tokens), the whole URL, and every header value.
  std::vector<std::string> secrets{url_};
  if (auto scheme = url_.find("://"); scheme != std::string::npos)
    if (auto path = url_.find_first_of("/?#", scheme + 3); path != std::string::npos && path + 1 < url_.size())
      secrets.push_back(url_.substr(path + 1));
  for (const auto& [name, value] : headers_) secrets.push_back(value);
  auto fail = [&](const std::string& reason, bool retryable) {
    return DeliveryResult{false, notify::scrub(describe() + ": " + reason, secrets), retryable};
  };

  std::unique_ptr<notify::CurlEasy> easy;
  try {
    easy = std::make_unique<notify::CurlEasy>();
  } catch (const std::exception& e) {
    return fail(e.what(), true);
  }
  CURL* c = easy->get();
  easy->set_common(options_.connect_timeout, options_.total_timeout, options_.ca_file, cancel);

  curl_slist* raw = nullptr;
  bool has_content_type = false;
  for (const auto* headers : {&headers_, &extra_headers}) {
    for (const auto& [name, value] : *headers) {
      if (iequals(name, "Content-Type")) has_content_type = true;
      raw = curl_slist_append(raw, (one_line(name) + ": " + one_line(value)).c_str());
    }
  }
  if (!has_content_type) raw = curl_slist_append(raw, "Content-Type: application/json");
  raw = curl_slist_append(raw, "Expect:");  // no 100-continue round trip for small bodies
  std::unique_ptr<curl_slist, SlistDeleter> header_list(raw);

  std::string response;
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "hyper2kvm-notifier");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &keep_response);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);

  const CURLcode code = easy->perform();
  if (code != CURLE_OK) return fail(easy->describe(code), notify::transient_curl_error(code));

  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return {true, "", false};
  std::string reason = "HTTP " + std::to_string(status);
  if (status >= 300 && status < 400) reason += " (redirect; webhooks are not followed to another address)";
  const std::string snippet = one_line(response.substr(0, 200));
  if (!snippet.empty()) reason += ": " + snippet;
  // 429: rate limited; 5xx: the service's own trouble. Other 4xx: the
  // request itself is wrong (bad token, bad payload), sending it again won't help.
  return fail(reason, status == 429 || (status >= 500 && status < 600));
}

}  // namespace h2k
