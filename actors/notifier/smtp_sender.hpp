#pragma once
// Sends a finished RFC 5322 message (payloads.hpp: email_message) over SMTP
// with libcurl: smtp://server:port, STARTTLS required when smtp_use_tls
// (CURLUSESSL_ALL: a server without STARTTLS is an error, never a plaintext
// fallback), smtps:// (implicit TLS) for port 465 or an "smtps://" server,
// login with smtp_username/smtp_password, envelope from email_from to every
// email_to.
#include <atomic>
#include <chrono>
#include <string>

#include "actors/notifier/delivery_result.hpp"
#include "actors/settings/notification_settings.hpp"

namespace h2k {

struct SmtpOptions {
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
  // SMTP needs a dozen round trips (EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT...).
  std::chrono::milliseconds total_timeout = std::chrono::seconds(30);
};

class SmtpSender {
public:
  explicit SmtpSender(const NotificationSettings& s, SmtpOptions options = {});

  // One SMTP session delivering `message` to all recipients. SMTP 4xx and
  // connection problems are retryable; 5xx, a refused login, a missing
  // STARTTLS and certificate errors are final. `cancel` aborts when set.
  DeliveryResult send(const std::string& message, const std::atomic<bool>* cancel = nullptr) const;

  // "email via smtp://smtp.example.com:587", for log lines.
  std::string describe() const;

  // The URL libcurl is given, e.g. "smtp://smtp.example.com:587".
  const std::string& url() const { return url_; }

private:
  NotificationSettings settings_;
  SmtpOptions options_;
  std::string url_;
};

}  // namespace h2k
