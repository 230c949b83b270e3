// Notification -> Slack, Discord and generic webhook JSON.
#include "actors/notifier/payloads.hpp"

#include <cstdlib>

#include "actors/notifier/text_format.hpp"

namespace h2k {

using notify::truncate_utf8;

namespace {

constexpr const char* kFooter = "Hyper2KVM Daemon";

// Error texts and paths get a row of their own; short facts sit side by side.
bool is_short(const std::string& title, const std::string& value) {
  return title != "Error" && title != "Previous error" && title != "Output" && value.size() <= 40;
}

// Slack's colour names as Discord's 24-bit integers.
int discord_color(const std::string& color) {
  if (color == "good") return 0x2EB67D;
  if (color == "danger") return 0xE01E5A;
  if (color == "warning") return 0xECB22E;
  if (color.size() == 7 && color[0] == '#') return static_cast<int>(std::strtol(color.c_str() + 1, nullptr, 16));
  return 0x439FE0;
}

}  // namespace

nlohmann::json slack_payload(const Notification& n) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [title, value] : n.fields)
    fields.push_back({{"title", title}, {"value", truncate_utf8(value, 2000)}, {"short", is_short(title, value)}});
  nlohmann::json attachment = {{"color", n.color},
                               {"title", n.title},
                               {"text", truncate_utf8(n.text, 3000)},
                               {"fields", fields},
                               {"footer", kFooter},
                               {"ts", n.at_ms / 1000},
                               // What Slack shows where attachments are not rendered (push notifications).
                               {"fallback", truncate_utf8(n.title + ": " + n.text, 300)}};
  return {{"attachments", nlohmann::json::array({attachment})}};
}

nlohmann::json discord_payload(const Notification& n) {
  // Discord's limits: 25 fields, values 1..1024 characters, description 4096;
  // an empty value or one over a limit gets the whole message refused (400).
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [name, value] : n.fields) {
    if (fields.size() == 25) break;
    fields.push_back({{"name", truncate_utf8(name, 256)},
                      {"value", value.empty() ? "-" : truncate_utf8(value, 1024)},
                      {"inline", is_short(name, value)}});
  }
  nlohmann::json embed = {{"title", truncate_utf8(n.title, 256)},
                          {"description", truncate_utf8(n.text, 2048)},
                          {"color", discord_color(n.color)},
                          {"fields", fields},
                          {"footer", {{"text", kFooter}}},
                          {"timestamp", notify::iso8601_utc(n.at_ms)}};
  return {{"username", "Hyper2KVM"}, {"embeds", nlohmann::json::array({embed})}};
}

nlohmann::json generic_payload(const Notification& n) {
  return {{"event", n.event}, {"timestamp", notify::iso8601_utc(n.at_ms)}, {"details", n.details}};
}

nlohmann::json webhook_payload(const Notification& n, const NotificationSettings& s) {
  switch (s.webhook_type) {
    case WebhookType::Slack: return slack_payload(n);
    case WebhookType::Discord: return discord_payload(n);
    case WebhookType::Generic: return generic_payload(n);
  }
  return generic_payload(n);
}

}  // namespace h2k
