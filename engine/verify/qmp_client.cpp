#include "engine/verify/qmp_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace h2k {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

QmpClient::QmpClient(const std::filesystem::path& socket, std::chrono::milliseconds timeout) : socket_(socket) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = socket.string();
  if (path.size() >= sizeof addr.sun_path)
    throw std::runtime_error(path + ": QMP socket path is too long for a unix socket");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw std::runtime_error(path + ": cannot create a socket: " + std::strerror(errno));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(path + ": cannot connect to QMP: " + std::strerror(err));
  }
  const auto deadline = Clock::now() + timeout;
  // qemu speaks first: {"QMP": {"version": ..., "capabilities": [...]}}.
  nlohmann::json greeting = read_message(deadline);
  if (!greeting.is_object() || !greeting.contains("QMP")) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(path + ": no QMP greeting from qemu");
  }
  try {
    execute("qmp_capabilities", nullptr, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  } catch (...) {
    ::close(fd_);  // the destructor does not run for a constructor that throws
    fd_ = -1;
    throw;
  }
}

QmpClient::~QmpClient() {
  if (fd_ >= 0) ::close(fd_);
}

void QmpClient::send_line(const std::string& line) {
  std::size_t sent = 0;
  while (sent < line.size()) {
    if (fd_ < 0) throw std::runtime_error(socket_.string() + ": QMP connection closed");
    ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 1000);
    } else {
      throw std::runtime_error(socket_.string() + ": QMP send failed: " + std::strerror(errno));
    }
  }
}

nlohmann::json QmpClient::read_message(Clock::time_point deadline) {
  for (;;) {
    // Messages are one JSON object per line ("\r\n"-terminated).
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_object()) return j;
      continue;  // not JSON: skip it
    }
    if (fd_ < 0) return nullptr;
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return nullptr;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      buffer_.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      ::close(fd_);  // qemu went away
      fd_ = -1;
    }
  }
}

nlohmann::json QmpClient::execute(const std::string& command, const nlohmann::json& arguments,
                                  std::chrono::milliseconds timeout) {
  // The id pairs the answer with this command: an answer to an earlier one
  // that timed out must not be taken for this one's.
  const std::uint64_t id = ++next_id_;
  nlohmann::json request = {{"execute", command}, {"id", id}};
  if (!arguments.is_null()) request["arguments"] = arguments;
  send_line(request.dump() + "\n");
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    nlohmann::json m = read_message(deadline);
    if (m.is_null())
      throw std::runtime_error(socket_.string() + ": no QMP answer to " + command +
                               (fd_ < 0 ? " (qemu closed the connection)" : " in time"));
    if (m.contains("event")) {
      events_.push_back(std::move(m));
      continue;
    }
    if (m.value("id", std::uint64_t{0}) != id) continue;
    if (m.contains("error"))
      throw std::runtime_error(socket_.string() + ": QMP " + command + " failed: " +
                               m["error"].value("desc", m["error"].dump()));
    if (m.contains("return")) return m["return"];
  }
}

std::vector<nlohmann::json> QmpClient::take_events() {
  for (;;) {
    nlohmann::json m = read_message(Clock::now());
    if (m.is_null()) break;
    if (m.contains("event")) events_.push_back(std::move(m));
  }
  std::vector<nlohmann::json> out;
  out.swap(events_);
  return out;
}

}  // namespace h2k
