#pragma once
// The `vsphere:` and `export:` sections: how this daemon's export slots reach
// vCenter (hyperctl convert --vm) and how many exports run at once.
// Passwords are never in the configuration: they come with the request
// (memory only), from $VSPHERE_PASSWORD in the daemon's environment, or from
// credentials_file (mode 0600, checked when an export starts).
#include <chrono>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace h2k {

struct VsphereConfig {
  std::string username;                  // default user when a request names none
  std::filesystem::path credentials_file;
};

struct ExportConfig {
  int concurrent_exports = 2;            // export slots of this daemon (0: it exports nothing)
  int parallel_disks = 4;                // NFC streams per export
  std::chrono::milliseconds lease_ready_timeout = std::chrono::minutes(10);
  std::chrono::milliseconds shutdown_timeout = std::chrono::minutes(5);
};

nlohmann::json to_json(const VsphereConfig& v);  // the credentials file's path, never its content
nlohmann::json to_json(const ExportConfig& e);

}  // namespace h2k
