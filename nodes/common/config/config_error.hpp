#pragma once
// A configuration problem. The message always reads
//   "<file>: <key path>: <what is wrong> (got <value>)"
// e.g. "/etc/hyper2kvm/daemon.yaml: retry_policy.backoff_multiplier: must be
// >= 1.0 (got 0.5)", so the operator knows which line to fix.
#include <stdexcept>
#include <string>

namespace h2k {

class ConfigError : public std::runtime_error {
public:
  ConfigError(std::string file, std::string key, std::string reason);

  const std::string& file() const noexcept { return file_; }
  const std::string& key() const noexcept { return key_; }   // "" for file-level problems
  const std::string& reason() const noexcept { return reason_; }

private:
  std::string file_;
  std::string key_;
  std::string reason_;
};

}  // namespace h2k
