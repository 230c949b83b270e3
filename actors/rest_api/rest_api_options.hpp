#pragma once
// What the REST API server is started with (the daemon fills it from the
// `api:` section of daemon.yaml).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace h2k {

struct RestApiOptions {
  std::string host = "127.0.0.1";  // IPv6 without brackets
  std::uint16_t port = 8080;
  // Shown in errors so the user knows which setting to change ("api.listen").
  std::string listen_key = "api.listen";
  // Bearer token file (mode 0600); empty: no token asked for. The caller
  // decides whether one is required (a non-loopback address needs one).
  std::filesystem::path token_file;
  std::size_t max_body_bytes = 1 << 20;
  std::chrono::seconds timeout{10};  // read and write timeout of each request
  std::size_t threads = 8;           // requests served at once; more wait their turn
};

}  // namespace h2k
