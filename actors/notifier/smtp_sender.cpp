// Email delivery over libcurl SMTP.
#include "actors/notifier/smtp_sender.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "actors/notifier/curl_easy.hpp"

namespace h2k {

namespace {

// "smtp.example.com" + 587 -> "smtp://smtp.example.com:587"; a server given
// with its scheme keeps it; port 465 is implicit TLS (smtps).
std::string smtp_url(const NotificationSettings& s) {
  std::string scheme = s.smtp_port == 465 ? "smtps" : "smtp";
  std::string host = s.smtp_server;
  if (auto p = host.find("://"); p != std::string::npos) {
    scheme = host.substr(0, p);
    host = host.substr(p + 3);
  }
  while (!host.empty() && host.back() == '/') host.pop_back();
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";  // IPv6 literal
  return scheme + "://" + host + ":" + std::to_string(s.smtp_port);
}

// The envelope address of "Name <a@b>" is "<a@b>"; of "a@b" it is "<a@b>".
std::string envelope(const std::string& address) {
  const auto open = address.rfind('<');
  const auto close = address.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) return address.substr(open, close - open + 1);
  std::string a = address;
  a.erase(std::remove_if(a.begin(), a.end(), [](char c) { return c == ' ' || c == '\r' || c == '\n'; }), a.end());
  return "<" + a + ">";
}

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

size_t read_message(char* buffer, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t len = std::min(size * n, up->data->size() - up->offset);
  std::memcpy(buffer, up->data->data() + up->offset, len);
  up->offset += len;
  return len;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

SmtpSender::SmtpSender(const NotificationSettings& s, SmtpOptions options)
    : settings_(s), options_(options), url_(smtp_url(s)) {}

std::string SmtpSender::describe() const { return "email via " + url_; }

DeliveryResult SmtpSender::send(const std::string& message, const std::atomic<bool>* cancel) const {
  const auto& s = settings_;
  auto fail = [&](const std::string& reason, bool retryable) {
    std::string who = s.smtp_username.empty() ? "" : " (user " + s.smtp_username + ")";
    return DeliveryResult{false, notify::scrub(describe() + who + ": " + reason, {s.smtp_password}), retryable};
  };

  std::unique_ptr<notify::CurlEasy> easy;
  try {
    easy = std::make_unique<notify::CurlEasy>();
  } catch (const std::exception& e) {
    return fail(e.what(), true);
  }
  CURL* c = easy->get();
  easy->set_common(options_.connect_timeout, options_.total_timeout, s.tls_ca_file, cancel);

  curl_slist* raw = nullptr;
  for (const auto& to : s.email_to) raw = curl_slist_append(raw, envelope(to).c_str());
  std::unique_ptr<curl_slist, SlistDeleter> recipients(raw);
  const std::string from = envelope(s.email_from);
  Upload upload{&message};

  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // smtp:// with smtp_use_tls: STARTTLS or nothing. (smtps:// is TLS from the start.)
  if (s.smtp_use_tls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!s.smtp_username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, s.smtp_username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, s.smtp_password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &read_message);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));

  const CURLcode code = easy->perform();
  if (code == CURLE_OK) return {true, "", false};

  long reply = 0;  // the server's last SMTP reply code, 0 if none
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  std::string reason = easy->describe(code);
  if (code == CURLE_USE_SSL_FAILED)
    reason = "the server offers no STARTTLS and smtp_use_tls is true; the message was not sent in plaintext";
  else if (code == CURLE_LOGIN_DENIED)
    reason = "login refused (check smtp_username and smtp_password)";
  if (reply > 0) reason += " (SMTP reply " + std::to_string(reply) + ")";

  bool retryable;
  if (code == CURLE_USE_SSL_FAILED || code == CURLE_LOGIN_DENIED || code == CURLE_ABORTED_BY_CALLBACK)
    retryable = false;
  else if (reply >= 500)
    retryable = false;  // permanent: the server said no
  else if (reply >= 400)
    retryable = true;   // transient: greylisting, mailbox busy, try later
  else
    retryable = notify::transient_curl_error(code);
  return fail(reason, retryable);
}

}  // namespace h2k
