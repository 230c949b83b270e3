// Channel payloads: Slack attachments, Discord embeds, generic JSON, and the
// email message (checked with python's own email parser).
#include <boost/test/unit_test.hpp>

#include <regex>

#include "actors/notifier/payloads.hpp"
#include "actors/notifier/text_format.hpp"
#include "notifier_test_support.hpp"

using namespace h2k;
using namespace h2k::test;

namespace {

// Python's email package reads `message` (as a mail client would) and prints
// a JSON object: decoded subject, from, to, date, content type, body.
nlohmann::json parse_with_python(const std::string& message) {
  ScratchDir dir("notifier-mail");
  write_file(dir / "mail.eml", message);
  const std::string script = R"(
import email, email.policy, json, sys
raw = open(sys.argv[1], 'rb').read()
m = email.message_from_bytes(raw, policy=email.policy.default)
print(json.dumps({"subject": str(m["Subject"]), "from": str(m["From"]), "to": [str(a) for a in m["To"].addresses],
                  "date": m["Date"].datetime.isoformat(), "message_id": str(m["Message-ID"]),
                  "content_type": m.get_content_type(), "charset": m.get_content_charset(),
                  "mime": str(m["MIME-Version"]), "defects": len(m.defects),
                  "headers": [k for k in m.keys()], "body": m.get_content()}))
)";
  return nlohmann::json::parse(run_ok({"python3", "-c", script, (dir / "mail.eml").string()}));
}

NotificationSettings email_settings() {
  auto s = enabled_settings();
  s.email_enabled = true;
  s.email_from = "hyper2kvm@example.com";
  s.email_to = {"ops@example.com", "oncall@example.com"};
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(notifier_payloads)

BOOST_AUTO_TEST_CASE(slack_matches_the_guide_example) {
  const auto p = slack_payload(failure_notification());
  BOOST_TEST_REQUIRE(p["attachments"].size() == 1u);
  const auto& a = p["attachments"][0];
  BOOST_TEST(a["color"] == "danger");
  BOOST_TEST(a["title"] == "\u274C Conversion Failed");
  BOOST_TEST(a["text"] == "Failed to convert vm-123.vmdk");
  BOOST_TEST(a["footer"] == "Hyper2KVM Daemon");
  BOOST_TEST(a["ts"] == 1768660200);
  const nlohmann::json expected_fields = nlohmann::json::parse(R"json([
    {"title": "Filename", "value": "vm-123.vmdk", "short": true},
    {"title": "Size", "value": "51.2GB", "short": true},
    {"title": "Error", "value": "Connection timeout to vSphere", "short": false},
    {"title": "Retry", "value": "1/3 (next in 5.0 min)", "short": true}])json");
  BOOST_TEST(a["fields"] == expected_fields, a["fields"].dump());
}

BOOST_AUTO_TEST_CASE(discord_is_an_embed_within_the_services_limits) {
  auto e = job_event("failed");
  e.error = std::string(3000, 'x');
  e.phase = "";
  auto n = *notification_for(e, enabled_settings());
  n.fields.emplace_back("Empty", "");
  const auto p = discord_payload(n);
  BOOST_TEST(p["username"] == "Hyper2KVM");
  BOOST_TEST_REQUIRE(p["embeds"].size() == 1u);
  const auto& embed = p["embeds"][0];
  BOOST_TEST(embed["title"] == "\u274C Conversion Failed");
  BOOST_TEST(embed["description"] == "Failed to convert vm-123.vmdk");
  BOOST_TEST(embed["color"] == 0xE01E5A);
  BOOST_TEST(embed["timestamp"] == "2026-01-17T14:30:00Z");
  BOOST_TEST(embed["footer"]["text"] == "Hyper2KVM Daemon");
  BOOST_TEST(embed["fields"][0] == nlohmann::json::parse(R"({"name":"Filename","value":"vm-123.vmdk","inline":true})"));
  const auto& error = embed["fields"][2];
  BOOST_TEST(error["name"] == "Error");
  BOOST_TEST(error["inline"] == false);
  // Discord refuses values over 1024 characters or empty ones.
  BOOST_TEST(error["value"].get<std::string>().size() <= 1024u);
  BOOST_TEST(error["value"].get<std::string>().rfind("xxxx", 0) == 0u);
  BOOST_TEST(embed["fields"].back()["value"] == "-");
  // Colours by event.
  BOOST_TEST(discord_payload(stall_notification(std::chrono::hours(1), 1, 0, kExampleMs))["embeds"][0]["color"] ==
             0xECB22E);
  BOOST_TEST(discord_payload(test_notification(kExampleMs))["embeds"][0]["color"] == 0x439FE0);
}

BOOST_AUTO_TEST_CASE(generic_matches_the_guide_example) {
  const auto p = generic_payload(failure_notification());
  BOOST_TEST(p.size() == 3u);
  BOOST_TEST(p["event"] == "conversion_failure");
  BOOST_TEST(p["timestamp"] == "2026-01-17T14:30:00Z");
  const auto& d = p["details"];
  BOOST_TEST(d["filename"] == "vm-123.vmdk");
  BOOST_TEST(d["file_size_mb"] == 51200.0);
  BOOST_TEST(d["error"] == "Connection timeout to vSphere");
  BOOST_TEST(d["retry_count"] == 1);
  BOOST_TEST(d["max_retries"] == 3);
  BOOST_TEST(d["next_retry_minutes"] == 5.0);
}

BOOST_AUTO_TEST_CASE(webhook_payload_follows_the_configured_type) {
  auto s = enabled_settings();
  const auto n = failure_notification();
  s.webhook_type = WebhookType::Slack;
  BOOST_TEST(webhook_payload(n, s) == slack_payload(n));
  s.webhook_type = WebhookType::Discord;
  BOOST_TEST(webhook_payload(n, s) == discord_payload(n));
  s.webhook_type = WebhookType::Generic;
  BOOST_TEST(webhook_payload(n, s) == generic_payload(n));
}

BOOST_AUTO_TEST_CASE(email_is_a_well_formed_rfc5322_message) {
  const auto s = email_settings();
  const std::string m = email_message(failure_notification(), s);
  // Every line ends in CRLF; no bare CR or LF; no line over 998 bytes.
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') BOOST_TEST_REQUIRE((i > 0 && m[i - 1] == '\r'), "bare LF at " << i);
    if (m[i] == '\r') BOOST_TEST_REQUIRE((i + 1 < m.size() && m[i + 1] == '\n'), "bare CR at " << i);
  }
  BOOST_TEST(m.substr(m.size() - 2) == "\r\n");
  const auto headers = m.substr(0, m.find("\r\n\r\n"));
  BOOST_TEST(headers.find("Date: Sat, 17 Jan 2026 14:30:00 +0000\r\n") == 0u);
  BOOST_TEST(headers.find("\r\nFrom: hyper2kvm@example.com\r\n") != std::string::npos);
  BOOST_TEST(headers.find("\r\nMIME-Version: 1.0\r\n") != std::string::npos);
  BOOST_TEST(headers.find("\r\nContent-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
  BOOST_TEST(std::regex_search(headers, std::regex("\r\nMessage-ID: <1768660200000\\.[0-9a-f]{16}\\.hyper2kvm@example\\.com>\r\n")));
  for (const char c : headers) BOOST_TEST_REQUIRE(static_cast<unsigned char>(c) < 0x80, "non-ASCII header byte");

  const auto parsed = parse_with_python(m);
  BOOST_TEST(parsed["defects"] == 0);
  BOOST_TEST(parsed["subject"] == "[Hyper2KVM] \u274C Conversion Failed");
  BOOST_TEST(parsed["from"] == "hyper2kvm@example.com");
  BOOST_TEST(parsed["to"] == nlohmann::json::parse(R"(["ops@example.com", "oncall@example.com"])"));
  BOOST_TEST(parsed["date"] == "2026-01-17T14:30:00+00:00");
  BOOST_TEST(parsed["content_type"] == "text/plain");
  BOOST_TEST(parsed["charset"] == "utf-8");
  const std::string body = parsed["body"];
  for (const char* line : {"Failed to convert vm-123.vmdk", "Filename: vm-123.vmdk", "Size: 51.2GB",
                           "Error: Connection timeout to vSphere", "Retry: 1/3 (next in 5.0 min)"})
    BOOST_TEST(body.find(line) != std::string::npos, "body lacks " << line << ":\n" << body);
}

BOOST_AUTO_TEST_CASE(subject_prefix_is_configurable_and_optional) {
  auto s = email_settings();
  s.email_subject_prefix = "[h2k prod]";
  BOOST_TEST(parse_with_python(email_message(failure_notification(), s))["subject"] ==
             "[h2k prod] \u274C Conversion Failed");
  s.email_subject_prefix = "";
  auto n = failure_notification();
  n.title = "Plain ASCII title";
  const std::string m = email_message(n, s);
  BOOST_TEST(m.find("\r\nSubject: Plain ASCII title\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(header_injection_and_long_lines_are_defused) {
  auto s = email_settings();
  s.email_to = {"ops@example.com"};
  auto n = failure_notification();
  n.title = "evil\r\nBcc: victim@example.com";
  n.text = std::string(5000, '#') + "\n.\n.hidden starts with a dot";
  const std::string m = email_message(n, s);
  const auto parsed = parse_with_python(m);
  for (auto& h : parsed["headers"]) BOOST_TEST(h != "Bcc");
  BOOST_TEST(parsed["subject"] == "[Hyper2KVM] evil  Bcc: victim@example.com");
  std::size_t start = 0;
  for (auto end = m.find("\r\n"); end != std::string::npos; start = end + 2, end = m.find("\r\n", start))
    BOOST_TEST_REQUIRE(end - start <= 998u);
  // The long line is split, not cut: all 5000 characters arrive.
  const std::string body = parsed["body"];
  std::size_t hashes = 0;
  for (char c : body) hashes += c == '#';
  BOOST_TEST(hashes == 5000u);
  // Dot lines are left as they are: SMTP dot-stuffing is the transport's job.
  BOOST_TEST(m.find("\r\n.\r\n.hidden starts with a dot\r\n") != std::string::npos);
}

// A lost cluster node, in every channel: formatted like the stall notices.
BOOST_AUTO_TEST_CASE(a_lost_node_in_every_channel) {
  msg::job_event e;
  e.kind = "node_lost";
  e.error = "node conv-01 lost: no heartbeat for more than 10000 ms";
  e.at_ms = kExampleMs;
  const auto n = notification_for(e, enabled_settings(), 2);
  BOOST_TEST_REQUIRE(n.has_value());
  const std::string text =
      "hyper2kvm: node conv-01 lost: no heartbeat for more than 10000 ms; its 2 job(s) get new leases";

  const auto slack = slack_payload(*n);
  BOOST_TEST_REQUIRE(slack["attachments"].size() == 1u);
  const auto& a = slack["attachments"][0];
  BOOST_TEST(a["color"] == "warning");
  BOOST_TEST(a["title"] == "\u26A0\uFE0F Node Lost");
  BOOST_TEST(a["text"] == text);
  BOOST_TEST(a["ts"] == 1768660200);
  BOOST_TEST(a["fallback"] == "\u26A0\uFE0F Node Lost: " + text);
  BOOST_TEST(a["fields"] == nlohmann::json::parse(R"json([
    {"title": "Node", "value": "conv-01", "short": true},
    {"title": "Reason", "value": "no heartbeat for more than 10000 ms", "short": true},
    {"title": "Jobs requeued", "value": "2", "short": true},
    {"title": "Action", "value": "Check the node", "short": true}])json"), a["fields"].dump());

  const auto discord = discord_payload(*n);
  const auto& embed = discord["embeds"][0];
  BOOST_TEST(embed["title"] == "\u26A0\uFE0F Node Lost");
  BOOST_TEST(embed["description"] == text);
  BOOST_TEST(embed["color"] == 0xECB22E);  // the stall notices' warning colour
  BOOST_TEST(embed["timestamp"] == "2026-01-17T14:30:00Z");
  BOOST_TEST(embed["fields"][0] == nlohmann::json::parse(R"({"name":"Node","value":"conv-01","inline":true})"));
  BOOST_TEST(embed["fields"].size() == 4u);

  BOOST_TEST(generic_payload(*n) == nlohmann::json::parse(R"({"event": "node_lost", "timestamp": "2026-01-17T14:30:00Z",
      "details": {"node": "conv-01", "reason": "no heartbeat for more than 10000 ms",
                  "error": "node conv-01 lost: no heartbeat for more than 10000 ms", "jobs_requeued": 2}})"));

  const auto mail = parse_with_python(email_message(*n, email_settings()));
  BOOST_TEST(mail["defects"] == 0);
  BOOST_TEST(mail["subject"] == "[Hyper2KVM] \u26A0\uFE0F Node Lost");
  const std::string body = mail["body"];
  for (const std::string& line : {text, std::string("Node: conv-01"),
                                 std::string("Reason: no heartbeat for more than 10000 ms"),
                                 std::string("Jobs requeued: 2"), std::string("Action: Check the node")})
    BOOST_TEST(body.find(line) != std::string::npos, "body lacks " << line << ":\n" << body);
}

BOOST_AUTO_TEST_CASE(text_formats) {
  using namespace h2k::notify;
  BOOST_TEST(human_size(0) == "0B");
  BOOST_TEST(human_size(999) == "999B");
  BOOST_TEST(human_size(1500) == "1.5KB");
  BOOST_TEST(human_size(999'960) == "1.0MB");
  BOOST_TEST(human_size(51'200'000'000ull) == "51.2GB");
  BOOST_TEST(human_duration(0) == "0s");
  BOOST_TEST(human_duration(45.4) == "45s");
  BOOST_TEST(human_duration(272) == "4m 32s");
  BOOST_TEST(human_duration(7500) == "2h 05m");
  BOOST_TEST(iso8601_utc(kExampleMs + 999) == "2026-01-17T14:30:00Z");
  BOOST_TEST(rfc5322_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
  BOOST_TEST(valid_utf8("ok \xE2\x9C\x85") == "ok \xE2\x9C\x85");
  BOOST_TEST(valid_utf8("bad \xC3") == "bad \xEF\xBF\xBD");
  BOOST_TEST(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  BOOST_TEST(truncate_utf8("short", 10) == "short");
  // Cut before the 3-byte check mark, never inside it.
  BOOST_TEST(truncate_utf8("abcd\xE2\x9C\x85xyz", 7) == "abcd\xE2\x80\xA6");
}

BOOST_AUTO_TEST_SUITE_END()
