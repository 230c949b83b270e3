#include "actors/watcher/inotify_waker.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>

namespace h2k {
namespace {

constexpr auto kMinGap = std::chrono::milliseconds(200);
constexpr std::uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB;

void drain(int fd) {
  alignas(struct inotify_event) char buf[16 * 1024];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

}  // namespace

InotifyWaker::InotifyWaker(std::filesystem::path dir, std::function<void()> on_change)
    : on_change_(std::move(on_change)) {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_fd_ < 0 || stop_fd_ < 0 || ::inotify_add_watch(inotify_fd_, dir.c_str(), kEvents) < 0) return;
  active_ = true;
  thread_ = std::thread([this] { run(); });
}

InotifyWaker::~InotifyWaker() {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    while (::write(stop_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void InotifyWaker::run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_call = Clock::now() - kMinGap;
  bool owed = false;  // events arrived that no call has covered yet
  for (;;) {
    int timeout_ms = -1;
    if (owed) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(last_call + kMinGap - Clock::now());
      timeout_ms = left.count() > 0 ? static_cast<int>(left.count()) : 0;
    }
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    int n = ::poll(fds, 2, timeout_ms);
    if (n < 0 && errno != EINTR) return;  // cannot wait any more: the periodic scan remains
    if (n > 0 && fds[0].revents) return;
    if (n > 0 && (fds[1].revents & (POLLERR | POLLHUP | POLLNVAL))) return;
    if (n > 0 && (fds[1].revents & POLLIN)) {
      drain(inotify_fd_);  // the events themselves do not matter: the scan looks at the folder
      owed = true;
    }
    if (owed && Clock::now() - last_call >= kMinGap) {
      owed = false;
      last_call = Clock::now();
      on_change_();
    }
  }
}

}  // namespace h2k
