#include "tools/hyperctl/control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace h2k::hyperctl {
namespace {

using Kind = ControlClientError::Kind;

// A list-jobs reply for 10000 jobs is a few MB; anything far beyond that is
// not a control-socket peer.
constexpr std::size_t kMaxReplyBytes = 256u << 20;

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

}  // namespace

std::string ControlReply::error() const {
  if (json.is_object()) {
    auto it = json.find("error");
    if (it != json.end() && it->is_string()) return it->get<std::string>();
  }
  return "the daemon refused the request without saying why: " + line;
}

ControlClient::ControlClient(std::filesystem::path socket_path, std::chrono::milliseconds timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout) {}

ControlClient::ControlClient(HttpServer server, std::chrono::milliseconds timeout)
    : http_(std::move(server)), timeout_(timeout) {}

ControlReply ControlClient::http_request(const nlohmann::json& request) {
  const HttpReply http =
      post_control(*http_, request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), timeout_);
  ControlReply reply;
  reply.line = http.body;
  while (!reply.line.empty() && (reply.line.back() == '\n' || reply.line.back() == '\r')) reply.line.pop_back();
  if (http.status == 401)
    throw ControlClientError(Kind::unreachable, http_->url + " refused the request (HTTP 401): give the API token "
                                                             "with --token-file or HYPERCTL_TOKEN_FILE");
  reply.json = nlohmann::json::parse(reply.line, nullptr, false);
  if (reply.json.is_discarded() || !reply.json.is_object() || !reply.json.contains("ok"))
    throw ControlClientError(Kind::unreachable, http_->url + " is not a hyper2kvm REST API (HTTP " +
                                                    std::to_string(http.status) + ", no control reply)");
  return reply;
}

void ControlClient::fail(Kind kind, const std::string& message) {
  fd_.reset();
  buffer_.clear();
  throw ControlClientError(kind, message);
}

void ControlClient::connect(SteadyDeadline deadline) {
  const std::string path = socket_path_.string();
  sockaddr_un addr{};
  try {
    addr = unix_socket_address(socket_path_);
  } catch (const std::system_error& e) {
    fail(Kind::unreachable, std::string("cannot connect to ") + path + ": " + e.code().message());
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) fail(Kind::unreachable, "cannot create a socket: " + std::string(std::strerror(errno)));
  // A Unix-socket connect blocks only while the listener's backlog is full;
  // SO_SNDTIMEO bounds that wait (it then fails with EAGAIN).
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
  const long long us = std::max<long long>(left.count(), 1000);
  timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  while (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == ETIMEDOUT || errno == EINPROGRESS)
      fail(Kind::timeout, "the daemon did not accept a connection on " + path + " within " + seconds_text(timeout_) + " s");
    fail(Kind::unreachable,
         "cannot connect to " + path + ": " + std::strerror(errno) + " (is the daemon running?)");
  }
  fd_ = std::move(fd);
  buffer_.clear();
}

std::string ControlClient::read_line(SteadyDeadline deadline) {
  const std::string path = socket_path_.string();
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (buffer_.size() > kMaxReplyBytes)
      fail(Kind::unreachable, "the reply from " + path + " exceeds " + std::to_string(kMaxReplyBytes) + " bytes");
    switch (wait_for_fd(fd_.get(), POLLIN, deadline)) {
      case WaitResult::ready: break;
      case WaitResult::timeout:
      case WaitResult::woken:
        fail(Kind::timeout, "no reply from " + path + " within " + seconds_text(timeout_) + " s");
      case WaitResult::failed: fail(Kind::unreachable, "cannot wait for " + path + ": " + std::strerror(errno));
    }
    char chunk[65536];
    const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, MSG_DONTWAIT);
    if (n == 0) fail(Kind::unreachable, "the daemon closed the connection on " + path + " without a complete reply");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      fail(Kind::unreachable, "connection to " + path + " lost: " + std::strerror(errno));
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

ControlReply ControlClient::request(const nlohmann::json& request) {
  if (http_) return http_request(request);
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  if (!fd_) connect(deadline);
  const std::string path = socket_path_.string();
  const std::string line = request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (int err = send_all(fd_.get(), line, deadline); err != 0) {
    if (err == ETIMEDOUT) fail(Kind::timeout, "the daemon did not take the request on " + path + " within " +
                                                  seconds_text(timeout_) + " s");
    fail(Kind::unreachable, "connection to " + path + " lost: " + std::strerror(err));
  }
  ControlReply reply;
  reply.line = read_line(deadline);
  try {
    reply.json = nlohmann::json::parse(reply.line);
  } catch (const nlohmann::json::parse_error& e) {
    fail(Kind::unreachable, path + " is not a hyper2kvm control socket (reply is not JSON: " + e.what() + ")");
  }
  if (!reply.json.is_object() || !reply.json.contains("ok"))
    fail(Kind::unreachable, path + " is not a hyper2kvm control socket (reply has no \"ok\")");
  return reply;
}

}  // namespace h2k::hyperctl
