#pragma once
// What the control tests share: a raw Unix-socket client written directly
// against the socket API (independent of hyperctl's client), an echoing
// daemon stand-in to hand requests to, and the path of the built hyperctl.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/unit/support/test_paths.hpp"
#include "actors/control_protocol/control_protocol.hpp"
#include "actors/control/control_server.hpp"
#include "actors/control_protocol/unix_socket.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k::test {

using json = nlohmann::json;
using namespace std::chrono_literals;

// A client that speaks the wire format by hand: raw bytes out, lines in.
class RawClient {
public:
  explicit RawClient(const std::filesystem::path& socket) {
    // No Boost.Test assertions here: clients also run on test threads,
    // where Boost.Test is not thread-safe. Callers check connected().
    fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd_) {
      connect_errno_ = errno;
      return;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    connected_ = ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    connect_errno_ = errno;
  }
  bool connected() const { return connected_; }
  int connect_errno() const { return connect_errno_; }
  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }

  // Writes all bytes (waiting up to `timeout` for the server to read);
  // false when the server closed the connection or stopped reading.
  bool send_raw(const std::string& data, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd_.get(), data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_.get(), POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
    }
    return true;
  }

  // The next line without '\n'; nullopt on EOF, error or timeout (eof()
  // tells which).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[65536];
      ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        eof_ = true;
        return std::nullopt;
      }
      if (n > 0) buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  bool eof() const { return eof_; }

  // One request line, one reply line parsed (null when none came).
  json request(const json& req) {
    if (!send_raw(req.dump() + "\n")) return nullptr;
    auto line = read_line();
    return line ? json::parse(*line) : json(nullptr);
  }

  // True when the server closes the connection within `timeout` (anything
  // still unread is discarded).
  bool wait_closed(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (!read_line(std::max(left, 1ms)) && eof_) return true;
    }
    return false;
  }

private:
  UniqueFd fd_;
  bool connected_ = false;
  int connect_errno_ = 0;
  bool eof_ = false;
  std::string buf_;
};

// The daemon side the server hands requests to. It is the collaborator of
// the unit under test (ControlServer), not under test itself: it answers
// every request with {"ok": true, "command": ..., "args": ...} and records
// what it got, so a test sees exactly what reached the daemon.
struct EchoDaemon {
  std::mutex mutex;
  std::vector<ControlRequest> seen;

  ControlHandler handler() {
    return [this](const ControlRequest& r) {
      std::lock_guard<std::mutex> lock(mutex);
      seen.push_back(r);
      return json{{"ok", true}, {"command", r.command}, {"args", r.args}};
    };
  }
  std::vector<ControlRequest> requests() {
    std::lock_guard<std::mutex> lock(mutex);
    return seen;
  }
};

// Server log lines, collected from the server's threads.
struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& l) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(l);
    };
  }
  bool contains(const std::string& part) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& l : lines)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }
};

inline std::filesystem::path control_socket_in(const ScratchDir& dir) { return dir.path() / ".daemon" / "control.sock"; }

inline ControlServerOptions options_for(const std::filesystem::path& socket) {
  ControlServerOptions o;
  o.socket_path = socket;
  return o;
}

inline std::string hyperctl_binary() { return std::string(H2K_BINARY_DIR) + "/tools/hyperctl/hyperctl"; }

}  // namespace h2k::test
