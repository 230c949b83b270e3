#pragma once
// Helpers for the daemon_config tests: parse YAML text as "daemon.yaml",
// catch the ConfigError message, scratch folders.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "nodes/common/config/daemon_config.hpp"

namespace h2k::test {

inline DaemonConfig parse(const std::string& yaml) {
  return parse_daemon_config(yaml, "daemon.yaml", "/var/lib/hyper2kvm");
}

// The ConfigError message parse (and validate) gives, or "(no error)".
inline std::string error_of(const std::string& yaml, bool validate = true) {
  try {
    auto c = parse(yaml);
    if (validate) c.validate();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

inline std::string error_of_validate(const DaemonConfig& c) {
  try {
    c.validate();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/h2k-config-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
};

}  // namespace h2k::test
