#include "actors/settings/redact_url.hpp"

namespace h2k {

namespace {
constexpr const char* kRedacted = "***";
}  // namespace

std::string redact_url(const std::string& url) {
  if (url.empty()) return url;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return kRedacted;  // not a URL: could be a bare token
  const auto host_start = scheme_end + 3;
  const auto host_end = url.find_first_of("/?#", host_start);
  std::string host = url.substr(host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
  if (auto at = host.rfind('@'); at != std::string::npos) host = std::string(kRedacted) + host.substr(at);
  std::string out = url.substr(0, host_start) + host;
  if (host_end != std::string::npos && url.size() > host_end + 1) out += "/***";
  return out;
}

}  // namespace h2k
