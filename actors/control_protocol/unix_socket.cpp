#include "actors/control_protocol/unix_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace h2k {

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

sockaddr_un unix_socket_address(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string& p = path.native();
  if (p.empty() || p.size() >= sizeof(addr.sun_path))
    throw std::system_error(ENAMETOOLONG, std::generic_category(),
                            "control socket path " + p + " must be 1.." + std::to_string(sizeof(addr.sun_path) - 1) +
                                " bytes long");
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  return addr;
}

WaitResult wait_for_fd(int fd, short events, SteadyDeadline deadline, int wake_fd) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return WaitResult::timeout;
    pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    const int n = ::poll(fds, wake_fd >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left.count(), 60000)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return WaitResult::failed;
    }
    if (wake_fd >= 0 && (fds[1].revents & POLLIN)) return WaitResult::woken;
    if (fds[0].revents != 0) return WaitResult::ready;
  }
}

int send_all(int fd, std::string_view data, SteadyDeadline deadline, int wake_fd) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return errno;
    switch (wait_for_fd(fd, POLLOUT, deadline, wake_fd)) {
      case WaitResult::ready: break;
      case WaitResult::timeout: return ETIMEDOUT;
      case WaitResult::woken: return ECANCELED;
      case WaitResult::failed: return errno != 0 ? errno : EIO;
    }
  }
  return 0;
}

}  // namespace h2k
