#include "tools/hyperctl/http_control.hpp"

#include <curl/curl.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "tools/hyperctl/control_client.hpp"

namespace h2k::hyperctl {
namespace {

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string read_token_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the token file " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  std::string t = text.str();
  std::size_t begin = 0, end = t.size();
  while (begin < end && is_space(t[begin])) ++begin;
  while (end > begin && is_space(t[end - 1])) --end;
  if (begin == end) throw std::runtime_error("the token file " + file.string() + " is empty");
  return t.substr(begin, end - begin);
}

HttpReply post_control(const HttpServer& server, const std::string& body, std::chrono::milliseconds timeout) {
  using Kind = ControlClientError::Kind;
  std::string url = server.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/control";
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw ControlClientError(Kind::unreachable, "cannot initialise libcurl");
  curl_slist* raw_headers = curl_slist_append(nullptr, "Content-Type: application/json");
  std::string auth;
  if (!server.token.empty()) {
    auth = "Authorization: Bearer " + server.token;
    raw_headers = curl_slist_append(raw_headers, auth.c_str());
  }
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(raw_headers, curl_slist_free_all);
  HttpReply reply;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OPERATION_TIMEDOUT)
    throw ControlClientError(Kind::timeout, "no reply from " + url + " within " +
                                                std::to_string(timeout.count() / 1000.0) + " s");
  if (rc != CURLE_OK) throw ControlClientError(Kind::unreachable, "cannot reach " + url + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace h2k::hyperctl
