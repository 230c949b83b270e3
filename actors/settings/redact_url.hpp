#pragma once
// Webhook URLs are secrets (Slack and Discord keep their token in the path):
// logs, --check-config and delivery errors show them through redact_url.
#include <string>

namespace h2k {

// `url` with any user info and everything after the host replaced by "***";
// a string that is not a URL at all (it could be a bare token) is "***".
std::string redact_url(const std::string& url);

}  // namespace h2k
