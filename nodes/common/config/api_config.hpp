#pragma once
// The `api:` section: the coordinator's REST API (actors/rest_api). Parsed
// once here; the daemon turns it into RestApiOptions.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "nodes/common/config/cluster_config.hpp"  // HostPort

namespace h2k {

struct ApiConfig {
  static constexpr const char* kDefaultListen = "127.0.0.1:8080";

  bool enabled = true;                  // api.listen: "" or "off" turns the API off
  HostPort listen{"127.0.0.1", 8080};
  // Whether api.listen was written in the file. Many daemons on one host
  // (tests, several instances) would all want the default port: only an
  // address the user chose makes a failed bind a startup error.
  bool listen_explicit = false;
  // The bearer token's file (mode 0600, read at start; never shown). Empty:
  // no token, allowed only on a loopback address (validate()).
  std::filesystem::path token_file;
  std::size_t max_body_bytes = 1 << 20;            // larger requests: 413
  std::chrono::seconds timeout{10};                // read and write timeout per request
};

// 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and "localhost": addresses
// only this host can reach. Everything else (0.0.0.0, ::, names) is not.
bool is_loopback_host(const std::string& host);

// For --check-config and the log: the token file's path, never its content.
nlohmann::json to_json(const ApiConfig& api);

}  // namespace h2k
