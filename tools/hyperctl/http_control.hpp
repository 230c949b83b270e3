#pragma once
// hyperctl --server: the control requests over the daemon's REST API
// (POST <url>/control with the request object as the body) instead of the
// Unix socket. The reply body is the same JSON line the socket sends, so
// everything hyperctl prints is the same.
#include <chrono>
#include <filesystem>
#include <string>

namespace h2k::hyperctl {

struct HttpServer {
  std::string url;    // "http://127.0.0.1:8080" (a trailing '/' is fine)
  std::string token;  // empty: no Authorization header
};

// Reads a token file (surrounding whitespace dropped). Throws
// std::runtime_error naming the file when it cannot be read or is empty.
std::string read_token_file(const std::filesystem::path& file);

struct HttpReply {
  long status = 0;
  std::string body;
};

// POSTs `body` to <url>/control. Throws ControlClientError (timeout or
// unreachable) when no HTTP reply came.
HttpReply post_control(const HttpServer& server, const std::string& body, std::chrono::milliseconds timeout);

}  // namespace h2k::hyperctl
