#pragma once
// The conversion-complete callback (the seed's hypervisord webhook): when a
// job is done, or one of its attempts failed, a JSON body POSTed to
// notifications.callback_url, signed with HMAC-SHA256 over the exact body:
//   X-Hyper2kvm-Event: conversion-complete
//   X-Hyper2kvm-Signature: sha256=<hex>
// success: {"job_id","status":"success","vm_name","output_dir","files",
//           "duration_seconds","modifications"}
// failure: {"job_id","status":"failed","vm_name","error","error_file",
//           "retry_count","retry_available"}  (error_file null while a retry is due)
#include <optional>
#include <string>

#include "actors/notifier/notification.hpp"
#include "actors/settings/notification_settings.hpp"
#include "messages/messages.hpp"

namespace h2k {

// The callback body for a job event, or nullopt for events that do not end
// an attempt (queued, started, ...). Reads the published folder's file list
// and report.json for a success.
std::optional<nlohmann::json> callback_payload(const msg::job_event& e, const CallbackSettings& s);

// Lower-case hex HMAC-SHA256 of `body` under `key`.
std::string hmac_sha256_hex(const std::string& key, const std::string& body);

// The notification the dispatcher POSTs: the body serialized once, its
// signature (when there is a secret) and the event header.
Notification callback_notification(const nlohmann::json& payload, const std::string& secret, std::int64_t at_ms);

// Reads the secret file: regular, readable by its owner only, not empty
// (surrounding whitespace dropped). Throws std::runtime_error naming `key`
// and the file, never its content.
std::string read_callback_secret(const std::filesystem::path& file,
                                 const std::string& key = "notifications.callback_secret_file");

}  // namespace h2k
