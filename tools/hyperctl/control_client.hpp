#pragma once
// hyperctl's side of the control socket: one connection (opened on the first
// request, reused for the next ones), one JSON line out, one JSON line back,
// each request bounded by the --timeout deadline.
#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/control_protocol/unix_socket.hpp"
#include "tools/hyperctl/http_control.hpp"

namespace h2k::hyperctl {

// Why a request got no usable reply. main() turns the kind into the exit code.
class ControlClientError : public std::runtime_error {
public:
  enum class Kind {
    unreachable,  // no socket file, nobody listening, connection lost, or the peer does not speak the protocol
    timeout,      // no (complete) reply before the deadline
  };
  ControlClientError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }

private:
  Kind kind_;
};

struct ControlReply {
  nlohmann::json json;  // the parsed object
  std::string line;     // exactly what the daemon sent, without the '\n' (for --json)
  bool ok() const { return json.is_object() && json.value("ok", false) == true; }
  // The daemon's "error", or a description of the reply when it has none.
  std::string error() const;
};

class ControlClient {
public:
  ControlClient(std::filesystem::path socket_path, std::chrono::milliseconds timeout);
  // Through the REST API (hyperctl --server) instead of the socket.
  ControlClient(HttpServer server, std::chrono::milliseconds timeout);

  // Sends `request`, returns the daemon's reply (ok or not). Throws
  // ControlClientError; after one the next request reconnects.
  ControlReply request(const nlohmann::json& request);

  const std::filesystem::path& socket_path() const { return socket_path_; }

private:
  void connect(SteadyDeadline deadline);
  std::string read_line(SteadyDeadline deadline);
  [[noreturn]] void fail(ControlClientError::Kind kind, const std::string& message);

  ControlReply http_request(const nlohmann::json& request);

  std::filesystem::path socket_path_;
  std::optional<HttpServer> http_;
  std::chrono::milliseconds timeout_;
  UniqueFd fd_;
  std::string buffer_;  // bytes received past the last reply line
};

}  // namespace h2k::hyperctl
