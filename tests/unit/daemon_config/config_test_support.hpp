#pragma once
// Helpers for the daemon_config tests: parse YAML text as "daemon.yaml",
// catch the ConfigError message, scratch folders.
#include <filesystem>
#include <string>

#include "nodes/common/config/daemon_config.hpp"
#include "tests/unit/support/test_support.hpp"

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

// A scratch folder (the shared ScratchDir, with the folder as a plain member)
// and a way to drop a config file into it.
struct TempDir {
  ScratchDir dir{"config-test"};
  std::filesystem::path path = dir.path();
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    write_file(path / name, text);
    return path / name;
  }
};

}  // namespace h2k::test
