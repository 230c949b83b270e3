#include "nodes/common/config/config_error.hpp"

namespace h2k {

static std::string compose(const std::string& file, const std::string& key, const std::string& reason) {
  std::string out = file;
  if (!key.empty()) out += ": " + key;
  return out + ": " + reason;
}

ConfigError::ConfigError(std::string file, std::string key, std::string reason)
    : std::runtime_error(compose(file, key, reason)),
      file_(std::move(file)),
      key_(std::move(key)),
      reason_(std::move(reason)) {}

}  // namespace h2k
