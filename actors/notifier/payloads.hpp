#pragma once
// A Notification as each channel wants it. The JSON shapes follow the
// Python daemon's guide (Slack attachments, generic {"event","timestamp",
// "details"}) and Discord's webhook embeds; fields are cut to what the
// services accept, because an over-long field makes them reject the whole
// message.
#include <string>

#include <nlohmann/json.hpp>

#include "actors/notifier/notification.hpp"
#include "actors/settings/notification_settings.hpp"

namespace h2k {

// {"attachments":[{"color","title","text","fields":[{"title","value","short"}],
//   "footer":"Hyper2KVM Daemon","ts":<unix s>,"fallback"}]}
nlohmann::json slack_payload(const Notification& n);

// {"username":"Hyper2KVM","embeds":[{"title","description","color":<int>,
//   "fields":[{"name","value","inline"}],"footer":{"text"},"timestamp":<ISO 8601>}]}
nlohmann::json discord_payload(const Notification& n);

// {"event","timestamp":<ISO 8601 UTC>,"details":{...}}
nlohmann::json generic_payload(const Notification& n);

// The payload for s.webhook_type.
nlohmann::json webhook_payload(const Notification& n, const NotificationSettings& s);

// A complete RFC 5322 message (headers Date, From, To, Subject
// "<email_subject_prefix> <title>" (RFC 2047 encoded when not ASCII),
// Message-ID, MIME-Version, Content-Type text/plain; charset=utf-8,
// Content-Transfer-Encoding 8bit), CRLF line ends, no line over 998 bytes.
// SMTP dot-stuffing is left to the sender (libcurl does it on CRLF lines).
std::string email_message(const Notification& n, const NotificationSettings& s);

}  // namespace h2k
