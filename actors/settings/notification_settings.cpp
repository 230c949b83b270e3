#include "actors/settings/notification_settings.hpp"

namespace h2k {

const char* to_string(WebhookType t) {
  switch (t) {
    case WebhookType::Slack: return "slack";
    case WebhookType::Discord: return "discord";
    case WebhookType::Generic: return "generic";
  }
  return "generic";
}

}  // namespace h2k
