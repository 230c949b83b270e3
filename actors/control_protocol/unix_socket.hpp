#pragma once
// Small POSIX socket helpers shared by the control server and hyperctl: an
// owning file descriptor, the address of a socket path, and deadline-bounded
// writes that never raise SIGPIPE.
#include <sys/un.h>

#include <chrono>
#include <filesystem>
#include <string_view>

namespace h2k {

// Owns one file descriptor; closes it when destroyed or reset.
class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) noexcept;

private:
  int fd_ = -1;
};

// sockaddr_un for `path`. The kernel limits the path to 107 bytes; a longer
// one throws std::system_error(ENAMETOOLONG) naming the path (bind() would
// otherwise fail with a bare EINVAL or silently truncate).
sockaddr_un unix_socket_address(const std::filesystem::path& path);

using SteadyDeadline = std::chrono::steady_clock::time_point;

// What waiting for a descriptor ended with.
enum class WaitResult { ready, timeout, woken, failed };

// Waits until `fd` has `events` (POLLIN / POLLOUT; hang-ups and errors count
// as ready so the next read/write reports them), the deadline passes, or
// `wake_fd` (if >= 0) becomes readable. Retries on EINTR.
WaitResult wait_for_fd(int fd, short events, SteadyDeadline deadline, int wake_fd = -1);

// Writes all of `data` to a socket with MSG_NOSIGNAL (a peer that went away
// is EPIPE, not a process-killing SIGPIPE), waiting at most until `deadline`
// for a peer that does not read. Returns 0, or an errno value: ETIMEDOUT at
// the deadline, ECANCELED when `wake_fd` became readable, else the send error.
int send_all(int fd, std::string_view data, SteadyDeadline deadline, int wake_fd = -1);

}  // namespace h2k
