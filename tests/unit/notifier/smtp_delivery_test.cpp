// Real email delivery: SmtpSender and the dispatcher against a local SMTP
// sink (tests/unit/notifier/smtp_sink.py) speaking STARTTLS with a
// self-signed certificate, AUTH PLAIN and AUTH LOGIN.
#include <boost/test/unit_test.hpp>

#include "actors/notifier/notification_dispatcher.hpp"
#include "actors/notifier/payloads.hpp"
#include "actors/notifier/smtp_sender.hpp"
#include "notifier_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kUser = "notifications@example.com";
constexpr const char* kPassword = "app-PaSsWoRd-9f3k";

// A scratch folder with a certificate and a sink started with `options`.
struct Sink {
  ScratchDir dir{"notifier-smtp"};
  SelfSignedCert cert{dir.path()};
  std::filesystem::path record = dir / "smtp.jsonl";
  std::unique_ptr<LocalServer> server;
  explicit Sink(std::vector<std::string> options) {
    std::vector<std::string> args{"--record", record.string(), "--cert", cert.cert.string(), "--key",
                                  cert.key.string(), "--user", kUser, "--password", kPassword};
    args.insert(args.end(), options.begin(), options.end());
    server = std::make_unique<LocalServer>("smtp_sink.py", args);
  }
  std::vector<nlohmann::json> of(const std::string& type) const { return records_of(record, type); }
};

NotificationSettings smtp_settings(const Sink& sink) {
  auto s = enabled_settings();
  s.email_enabled = true;
  s.smtp_server = "127.0.0.1";
  s.smtp_port = sink.server->port();
  s.smtp_use_tls = true;
  s.smtp_username = kUser;
  s.smtp_password = kPassword;
  s.email_from = "hyper2kvm@example.com";
  s.email_to = {"ops@example.com", "Oncall <oncall@example.com>"};
  s.email_subject_prefix = "[Hyper2KVM]";
  s.tls_ca_file = sink.cert.cert;
  return s;
}

void expect_no_password(const std::string& text) {
  BOOST_TEST(text.find(kPassword) == std::string::npos, text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(notifier_smtp_delivery)

BOOST_AUTO_TEST_CASE(mail_arrives_over_starttls_with_auth_plain) {
  Sink sink({"--require-tls", "--auth", "PLAIN"});
  const auto s = smtp_settings(sink);
  const SmtpSender sender(s);
  BOOST_TEST(sender.url() == "smtp://127.0.0.1:" + std::to_string(s.smtp_port));
  const auto r = sender.send(email_message(failure_notification(), s));
  BOOST_TEST_REQUIRE(r.ok, r.error);

  const auto auths = sink.of("auth");
  BOOST_TEST_REQUIRE(auths.size() == 1u);
  BOOST_TEST(auths[0]["mech"] == "PLAIN");
  BOOST_TEST(auths[0]["tls"] == true);  // the password only ever crossed TLS
  const auto mails = sink.of("message");
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  const auto& m = mails[0];
  BOOST_TEST(m["tls"] == true);
  BOOST_TEST(m["auth_user"] == kUser);
  BOOST_TEST(m["mail_from"] == "<hyper2kvm@example.com>");
  BOOST_TEST(m["rcpt_to"] == nlohmann::json::parse(R"(["<ops@example.com>", "<oncall@example.com>"])"));
  BOOST_TEST(m["subject"] == "[Hyper2KVM] \u274C Conversion Failed");
  const std::string body = m["body"];
  BOOST_TEST(body.find("Failed to convert vm-123.vmdk") != std::string::npos, body);
  BOOST_TEST(body.find("Retry: 1/3 (next in 5.0 min)") != std::string::npos, body);
  BOOST_TEST(sink.of("refused").empty());
}

BOOST_AUTO_TEST_CASE(the_dispatcher_mails_with_auth_login_and_dot_lines_survive) {
  Sink sink({"--require-tls", "--auth", "LOGIN"});
  LogCapture logs;
  NotificationDispatcher d(smtp_settings(sink), logs.fn());
  auto n = failure_notification();
  n.fields.emplace_back("Log", "first\n.\n.hidden\n..two dots");
  d.enqueue(n);
  BOOST_TEST_REQUIRE(d.flush(30s));
  BOOST_TEST(d.counters().sent == 1u);
  const auto mails = sink.of("message");
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  BOOST_TEST(mails[0]["auth_mech"] == "LOGIN");
  BOOST_TEST(mails[0]["auth_user"] == kUser);
  BOOST_TEST(mails[0]["tls"] == true);
  // A lone "." would end the DATA early if not stuffed; all lines arrive intact.
  const std::string data = mails[0]["data"];
  BOOST_TEST(data.find("Log: first\r\n.\r\n.hidden\r\n..two dots\r\n") != std::string::npos, data);
  BOOST_TEST(data.find("Hyper2KVM Daemon, 2026-01-17T14:30:00Z") != std::string::npos, data);
  BOOST_TEST(logs.text().find("notification 'conversion_failure' sent: email via smtp://127.0.0.1:") !=
             std::string::npos, logs.text());
  expect_no_password(logs.text());
}

BOOST_AUTO_TEST_CASE(a_refused_login_is_final_and_never_shows_the_password) {
  Sink sink({"--require-tls", "--auth", "PLAIN"});
  auto s = smtp_settings(sink);
  s.smtp_password = "wrong-PaSsWoRd-77";
  LogCapture logs;
  NotificationDispatcher d(s, logs.fn());
  d.enqueue(failure_notification());
  BOOST_TEST_REQUIRE(d.flush(30s));
  BOOST_TEST(d.counters().failed == 1u);
  BOOST_TEST(d.counters().sent == 0u);
  const auto auths = sink.of("auth");
  BOOST_TEST_REQUIRE(auths.size() == 1u);  // not retried: the same password fails again
  BOOST_TEST(auths[0]["ok"] == false);
  BOOST_TEST(sink.of("message").empty());
  const std::string text = logs.text();
  BOOST_TEST(text.find("login refused (check smtp_username and smtp_password)") != std::string::npos, text);
  BOOST_TEST(text.find("(user notifications@example.com)") != std::string::npos, text);
  BOOST_TEST(text.find("not retryable") != std::string::npos, text);
  BOOST_TEST(text.find("wrong-PaSsWoRd-77") == std::string::npos, text);
  expect_no_password(text);
}

BOOST_AUTO_TEST_CASE(no_starttls_on_offer_means_no_mail_rather_than_plaintext) {
  Sink sink({"--no-starttls", "--auth", "PLAIN"});  // would accept AUTH and MAIL in plaintext
  const auto s = smtp_settings(sink);
  const auto r = SmtpSender(s).send(email_message(failure_notification(), s));
  BOOST_TEST(!r.ok);
  BOOST_TEST(!r.retryable);
  BOOST_TEST(r.error.find("offers no STARTTLS") != std::string::npos, r.error);
  BOOST_TEST(r.error.find("email via smtp://127.0.0.1:") == 0u, r.error);
  expect_no_password(r.error);
  BOOST_TEST(sink.of("auth").empty());  // the password was not sent
  BOOST_TEST(sink.of("message").empty());
}

BOOST_AUTO_TEST_CASE(a_server_requiring_tls_refuses_mail_from_a_plaintext_client) {
  Sink sink({"--require-tls", "--auth", "PLAIN"});
  auto s = smtp_settings(sink);
  s.smtp_use_tls = false;
  s.smtp_username.clear();  // no AUTH offered before TLS: go straight to MAIL
  const auto r = SmtpSender(s).send(email_message(failure_notification(), s));
  BOOST_TEST(!r.ok);
  BOOST_TEST(!r.retryable, "a 5xx reply is permanent");
  BOOST_TEST(r.error.find("(SMTP reply 530)") != std::string::npos, r.error);
  const auto refused = sink.of("refused");
  BOOST_TEST_REQUIRE(refused.size() == 1u);
  BOOST_TEST(refused[0]["command"] == "MAIL");
  BOOST_TEST(refused[0]["tls"] == false);
  BOOST_TEST(sink.of("message").empty());
}

BOOST_AUTO_TEST_CASE(an_untrusted_certificate_is_refused_with_a_hint) {
  Sink sink({"--require-tls", "--auth", "PLAIN"});
  auto s = smtp_settings(sink);
  s.tls_ca_file.clear();  // system CAs do not know the self-signed certificate
  const auto r = SmtpSender(s).send(email_message(failure_notification(), s));
  BOOST_TEST(!r.ok);
  BOOST_TEST(!r.retryable);
  BOOST_TEST(r.error.find("tls_ca_file") != std::string::npos, r.error);
  expect_no_password(r.error);
  BOOST_TEST(sink.of("auth").empty());
  BOOST_TEST(sink.of("message").empty());
}

BOOST_AUTO_TEST_CASE(a_dead_smtp_server_is_retried_then_given_up) {
  auto s = enabled_settings();
  s.email_enabled = true;
  s.smtp_server = "127.0.0.1";
  s.smtp_port = unused_port();
  s.smtp_username = kUser;
  s.smtp_password = kPassword;
  s.email_from = "hyper2kvm@example.com";
  s.email_to = {"ops@example.com"};
  LogCapture logs;
  NotificationDispatcher d(s, logs.fn());
  d.enqueue(failure_notification());
  BOOST_TEST_REQUIRE(d.flush(30s));
  BOOST_TEST(d.counters().failed == 1u);
  const std::string text = logs.text();
  BOOST_TEST(text.find("(attempt 1/3, retrying in 1 s)") != std::string::npos, text);
  BOOST_TEST(text.find("(attempt 3/3, giving up)") != std::string::npos, text);
  expect_no_password(text);
}

BOOST_AUTO_TEST_CASE(webhook_and_email_both_get_each_notification) {
  Sink sink({"--require-tls", "--auth", "PLAIN"});
  ScratchDir dir("notifier-both");
  LocalServer http("http_receiver.py", {"--record", (dir / "req.jsonl").string()});
  auto s = smtp_settings(sink);
  s.webhook_url = "http://127.0.0.1:" + std::to_string(http.port()) + "/hook/token";
  s.webhook_type = WebhookType::Slack;
  NotificationDispatcher d(s, {});
  d.enqueue(failure_notification());
  d.enqueue(stall_notification(std::chrono::minutes(60), 5, 0, kExampleMs));
  BOOST_TEST_REQUIRE(d.flush(30s));
  BOOST_TEST(d.counters().sent == 4u);  // counted per channel
  BOOST_TEST(read_records(dir / "req.jsonl").size() == 2u);
  const auto mails = sink.of("message");
  BOOST_TEST_REQUIRE(mails.size() == 2u);
  BOOST_TEST(mails[1]["subject"] == "[Hyper2KVM] \u26A0\uFE0F Daemon Stalled");
}

BOOST_AUTO_TEST_SUITE_END()
