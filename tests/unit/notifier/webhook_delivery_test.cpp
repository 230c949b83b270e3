// Real webhook delivery: the dispatcher and HttpPoster against a local HTTP
// receiver (tests/unit/notifier/http_receiver.py) on 127.0.0.1.
#include <boost/test/unit_test.hpp>

#include "actors/notifier/http_poster.hpp"
#include "actors/notifier/notification_dispatcher.hpp"
#include "actors/notifier/payloads.hpp"
#include "notifier_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// The token part of a Slack-style URL and a header secret: neither may show
// up in any log line or error.
constexpr const char* kToken = "T0001/B0002/SeCrEtToKeN42";
constexpr const char* kBearer = "Bearer hdr-s3cret-value";

struct Receiver {
  ScratchDir dir{"notifier-http"};
  std::filesystem::path record = dir / "requests.jsonl";
  LocalServer server;
  explicit Receiver(const std::string& statuses, std::vector<std::string> extra = {})
      : server("http_receiver.py", with(extra, {"--record", record.string(), "--status", statuses})) {}
  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(server.port()) + "/services/" + kToken;
  }
  std::vector<nlohmann::json> requests() const { return read_records(record); }
  static std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
};

NotificationSettings webhook_settings(const std::string& url, WebhookType type) {
  auto s = enabled_settings();
  s.webhook_url = url;
  s.webhook_type = type;
  s.webhook_headers = {{"Authorization", kBearer}, {"X-Custom-Header", "value"}};
  return s;
}

void expect_no_secrets(const std::string& text) {
  BOOST_TEST(text.find("SeCrEtToKeN42") == std::string::npos, text);
  BOOST_TEST(text.find("/services/") == std::string::npos, text);
  BOOST_TEST(text.find("hdr-s3cret-value") == std::string::npos, text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(notifier_webhook_delivery)

BOOST_AUTO_TEST_CASE(slack_discord_and_generic_payloads_arrive_as_json_with_the_custom_headers) {
  Receiver r("200");
  const auto n = failure_notification();
  for (auto type : {WebhookType::Slack, WebhookType::Discord, WebhookType::Generic}) {
    LogCapture logs;
    NotificationDispatcher d(webhook_settings(r.url(), type), logs.fn());
    d.enqueue(n);
    BOOST_TEST_REQUIRE(d.flush(20s));
    BOOST_TEST(d.counters().sent == 1u);
    BOOST_TEST(d.counters().failed == 0u);
    BOOST_TEST(logs.text().find("notification 'conversion_failure' sent: webhook http://127.0.0.1:") !=
               std::string::npos, logs.text());
    expect_no_secrets(logs.text());
  }
  const auto requests = r.requests();
  BOOST_TEST_REQUIRE(requests.size() == 3u);
  const nlohmann::json expected[] = {slack_payload(n), discord_payload(n), generic_payload(n)};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& q = requests[i];
    BOOST_TEST(q["method"] == "POST");
    BOOST_TEST(q["path"] == std::string("/services/") + kToken);
    BOOST_TEST(q["headers"]["Content-Type"] == "application/json");
    BOOST_TEST(q["headers"]["Authorization"] == kBearer);
    BOOST_TEST(q["headers"]["X-Custom-Header"] == "value");
    BOOST_TEST(nlohmann::json::parse(q["body"].get<std::string>()) == expected[i]);
  }
  // Spot checks against the guide, independent of the payload functions.
  BOOST_TEST(nlohmann::json::parse(requests[0]["body"].get<std::string>())["attachments"][0]["color"] == "danger");
  BOOST_TEST(nlohmann::json::parse(requests[1]["body"].get<std::string>())["embeds"][0]["title"] ==
             "\u274C Conversion Failed");
  BOOST_TEST(nlohmann::json::parse(requests[2]["body"].get<std::string>())["details"]["next_retry_minutes"] == 5.0);
}

BOOST_AUTO_TEST_CASE(server_errors_are_retried_with_backoff_until_delivered) {
  Receiver r("500,500,200");
  LogCapture logs;
  NotificationDispatcher d(webhook_settings(r.url(), WebhookType::Generic), logs.fn());
  const auto t0 = Clock::now();
  d.enqueue(failure_notification());
  BOOST_TEST_REQUIRE(d.flush(30s));
  const double took = seconds_since(t0);
  BOOST_TEST(d.counters().sent == 1u);
  BOOST_TEST(d.counters().failed == 0u);
  BOOST_TEST(r.requests().size() == 3u);
  BOOST_TEST(took >= 2.9, "backoff 1 s + 2 s, took " << took);
  BOOST_TEST(took < 10.0);
  BOOST_TEST(logs.text().find("HTTP 500: error 500 from test receiver (attempt 1/3, retrying in 1 s)") !=
             std::string::npos, logs.text());
  BOOST_TEST(logs.text().find("(attempt 2/3, retrying in 2 s)") != std::string::npos);
  BOOST_TEST(logs.text().find("sent: webhook http://127.0.0.1:") != std::string::npos);
  expect_no_secrets(logs.text());
}

BOOST_AUTO_TEST_CASE(rate_limiting_is_retried_but_a_client_error_is_final) {
  {
    Receiver r("429,200");
    NotificationDispatcher d(webhook_settings(r.url(), WebhookType::Slack), {});
    d.enqueue(failure_notification());
    BOOST_TEST_REQUIRE(d.flush(30s));
    BOOST_TEST(d.counters().sent == 1u);
    BOOST_TEST(r.requests().size() == 2u);
  }
  Receiver r("400");
  LogCapture logs;
  NotificationDispatcher d(webhook_settings(r.url(), WebhookType::Slack), logs.fn());
  const auto t0 = Clock::now();
  d.enqueue(failure_notification());
  BOOST_TEST_REQUIRE(d.flush(30s));
  BOOST_TEST(seconds_since(t0) < 1.0);  // no backoff wait
  BOOST_TEST(d.counters().sent == 0u);
  BOOST_TEST(d.counters().failed == 1u);
  BOOST_TEST(r.requests().size() == 1u);
  BOOST_TEST(logs.text().find("HTTP 400: error 400 from test receiver (attempt 1/3, not retryable)") !=
             std::string::npos, logs.text());
  expect_no_secrets(logs.text());
}

BOOST_AUTO_TEST_CASE(a_dead_endpoint_never_blocks_the_caller_and_fails_without_leaking_the_url) {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/services/" + kToken;
  LogCapture logs;
  auto d = std::make_unique<NotificationDispatcher>(webhook_settings(url, WebhookType::Slack), logs.fn());
  const auto t0 = Clock::now();
  d->enqueue(failure_notification());
  // Delivering in the caller would take its three attempts and 1 s + 2 s of
  // backoff; 1 s leaves room for a preempted thread on a busy machine.
  BOOST_TEST(seconds_since(t0) < 1.0);
  BOOST_TEST_REQUIRE(d->flush(30s));
  BOOST_TEST(d->counters().failed == 1u);
  BOOST_TEST(d->counters().sent == 0u);
  const std::string text = logs.text();
  BOOST_TEST(text.find("not delivered: webhook http://127.0.0.1:") != std::string::npos, text);
  BOOST_TEST(text.find("(attempt 3/3, giving up)") != std::string::npos, text);
  BOOST_TEST(text.find("onnect") != std::string::npos, "the reason names the connection: " << text);
  expect_no_secrets(text);
  for (auto& [level, line] : logs.lines())
    if (line.find("not delivered") != std::string::npos) BOOST_TEST(level == 1);
  const auto t1 = Clock::now();
  d.reset();
  BOOST_TEST(seconds_since(t1) < 1.0);
}

BOOST_AUTO_TEST_CASE(shutdown_interrupts_the_backoff_wait) {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/hook";
  LogCapture logs;
  auto d = std::make_unique<NotificationDispatcher>(webhook_settings(url, WebhookType::Generic), logs.fn());
  d->enqueue(failure_notification());
  BOOST_TEST_REQUIRE(logs.wait_for("retrying in 1 s", 10s));
  const auto t0 = Clock::now();
  d.reset();
  BOOST_TEST(seconds_since(t0) < 0.5);
  BOOST_TEST(logs.text().find("the notifier is shutting down") != std::string::npos, logs.text());
}

BOOST_AUTO_TEST_CASE(shutdown_aborts_a_hanging_transfer_and_a_full_queue_drops_the_oldest) {
  Receiver r("hang");
  LogCapture logs;
  auto d = std::make_unique<NotificationDispatcher>(webhook_settings(r.url(), WebhookType::Generic), logs.fn());
  auto first = failure_notification();
  first.event = "first";
  d->enqueue(first);
  // The worker is stuck on "first" (the receiver never answers); the queue fills.
  for (int i = 0; i < 300; ++i) d->enqueue(failure_notification());
  const auto c = d->counters();
  BOOST_TEST(c.dropped >= 44u);  // 301 offered, 256 kept, one possibly in the worker
  BOOST_TEST(c.dropped <= 45u);
  BOOST_TEST(logs.text().find("notification queue full (256): dropped the oldest") != std::string::npos);
  for (int i = 0; i < 100 && r.requests().empty(); ++i) std::this_thread::sleep_for(50ms);
  BOOST_TEST_REQUIRE(r.requests().size() == 1u);  // the transfer is running
  BOOST_TEST(!d->flush(200ms));
  const auto t0 = Clock::now();
  d.reset();
  BOOST_TEST(seconds_since(t0) < 2.5, "a 15 s transfer timeout must not hold the shutdown");
  BOOST_TEST(logs.text().find("queued notification(s) not sent") != std::string::npos, logs.text());
  expect_no_secrets(logs.text());
}

BOOST_AUTO_TEST_CASE(https_with_a_private_ca_needs_tls_ca_file) {
  ScratchDir certs("notifier-certs");
  const SelfSignedCert cert(certs.path());
  Receiver r("200", {"--tls-cert", cert.cert.string(), "--tls-key", cert.key.string()});
  const auto payload = generic_payload(failure_notification());

  const HttpPoster trusting(r.url("https"), {}, HttpPosterOptions{5s, 15s, cert.cert});
  const auto ok = trusting.post_json(payload);
  BOOST_TEST(ok.ok, ok.error);
  BOOST_TEST_REQUIRE(r.requests().size() == 1u);
  BOOST_TEST(r.requests()[0]["tls"] == true);

  const HttpPoster system_cas(r.url("https"), {{"Authorization", kBearer}});
  const auto refused = system_cas.post_json(payload);
  BOOST_TEST(!refused.ok);
  BOOST_TEST(!refused.retryable);  // a certificate does not fix itself
  BOOST_TEST(refused.error.find("webhook https://127.0.0.1:") == 0u, refused.error);
  BOOST_TEST(refused.error.find("tls_ca_file") != std::string::npos, refused.error);
  expect_no_secrets(refused.error);
  BOOST_TEST(r.requests().size() == 1u);  // nothing was sent to an unverified server
}

BOOST_AUTO_TEST_CASE(only_http_and_https_urls_are_used) {
  ScratchDir dir("notifier-file");
  write_file(dir / "x.json", "{}");
  const HttpPoster poster("file://" + (dir / "x.json").string(), {});
  const auto r = poster.post_json(nlohmann::json::object());
  BOOST_TEST(!r.ok);
  BOOST_TEST(!r.retryable);
  BOOST_TEST(r.error.find("x.json") == std::string::npos, r.error);
}

BOOST_AUTO_TEST_SUITE_END()
