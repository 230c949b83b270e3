#pragma once
// A minimal client for QMP, qemu's JSON control protocol, on a unix socket:
// greeting and capability negotiation, then one command at a time. Events
// that arrive in between (SHUTDOWN, RESET, ...) are kept for the caller.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace h2k {

class QmpClient {
public:
  // Connects and negotiates capabilities. Throws std::runtime_error naming
  // the socket and the reason (no socket yet, refused, no greeting in time).
  QmpClient(const std::filesystem::path& socket, std::chrono::milliseconds timeout);
  ~QmpClient();
  QmpClient(const QmpClient&) = delete;
  QmpClient& operator=(const QmpClient&) = delete;

  // Runs one command and returns its "return" value. Throws std::runtime_error
  // on an "error" answer, a closed connection or no answer within `timeout`.
  nlohmann::json execute(const std::string& command, const nlohmann::json& arguments = nullptr,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Reads what already arrived without waiting; returns the events received
  // so far (oldest first) and forgets them.
  std::vector<nlohmann::json> take_events();

  // False once qemu closed the connection (it is exiting).
  bool connected() const { return fd_ >= 0; }

private:
  // The next complete message, or a null json at the deadline.
  nlohmann::json read_message(std::chrono::steady_clock::time_point deadline);
  void send_line(const std::string& line);

  std::filesystem::path socket_;
  int fd_ = -1;
  std::string buffer_;
  std::vector<nlohmann::json> events_;
  std::uint64_t next_id_ = 0;
};

}  // namespace h2k
