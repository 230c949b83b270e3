#include "engine/core/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "engine/core/error.hpp"

extern char** environ;

namespace h2k {
namespace {

struct Stream {
  int fd = -1;
  std::string partial;
  std::string* capture = nullptr;
  std::size_t limit = 0;
  const std::function<void(const std::string&)>* on_line = nullptr;

  void feed(const char* data, std::size_t n) {
    if (capture) {
      capture->append(data, n);
      if (capture->size() > limit) capture->erase(0, capture->size() - limit);
    }
    if (!on_line || !*on_line) return;
    for (std::size_t i = 0; i < n; ++i) {
      char c = data[i];
      if (c == '\n' || c == '\r') {
        if (!partial.empty()) (*on_line)(partial);
        partial.clear();
      } else {
        partial.push_back(c);
      }
    }
  }
  void flush() {
    if (on_line && *on_line && !partial.empty()) (*on_line)(partial);
    partial.clear();
  }
};

// posix_spawn with the child in its own process group (so a kill reaches
// everything it starts), stdin from /dev/null, default signal dispositions and
// an empty mask. Returns an errno value (0: started).
int spawn(pid_t& pid, char* const* args, char* const* envp, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  const int rc = posix_spawnp(&pid, args[0], &actions, &attr, args, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

// `program` as execve needs it: names with a '/' as they are, others looked
// up in PATH (done before fork: the child may only make async-signal-safe calls).
std::string resolve_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0 ? program : std::string();
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    std::string dir = dirs.substr(start, colon - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return {};
}

// fork + exec for children that must die with us: posix_spawn cannot set the
// parent-death signal. Same child setup as spawn(). Returns an errno value.
int spawn_dying_with_parent(pid_t& pid, const std::string& program, char* const* args, char* const* envp,
                            int out_fd, int err_fd) {
  const std::string exe = resolve_program(program);
  if (exe.empty()) return ENOENT;
  const pid_t parent = ::getpid();
  pid = ::fork();
  if (pid < 0) return errno;
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    ::execve(exe.c_str(), args, envp);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: a kill of the group right after fork must reach the child
  return 0;
}

}  // namespace

namespace {

// Async-signal-safe: getpgrp, getpid and kill only. The group is killed only
// when this process leads it (spawn_dying_with_parent made it so); otherwise
// killing group 0 could reach whoever started us by hand.
void kill_own_group_on_parent_death(int) {
  if (::getpgrp() == ::getpid()) ::kill(0, SIGKILL);
  ::kill(::getpid(), SIGKILL);
}

}  // namespace

std::string describe_exit(const SubprocessResult& r) {
  if (r.term_signal) return "was killed by signal " + std::to_string(r.term_signal);
  return "exited with code " + std::to_string(r.exit_code);
}

bool die_with_parent_and_own_group() {
  const pid_t parent = ::getppid();
  struct sigaction action {};
  action.sa_handler = kill_own_group_on_parent_death;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  return ::getppid() == parent;  // else the parent died before prctl took effect
}

SubprocessResult run_subprocess(const std::vector<std::string>& argv,
                                const SubprocessOptions& options) {
  if (argv.empty()) throw ConversionError(ErrorKind::Internal, "", "empty command line");
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    throw ConversionError(ErrorKind::Internal, argv[0], std::string("pipe: ") + std::strerror(errno));

  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto key = kv.substr(0, kv.find('='));
    if (!options.extra_env.count(key)) env_store.push_back(kv);
  }
  for (auto& [k, v] : options.extra_env) env_store.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  pid_t pid = -1;
  const int rc = options.die_with_parent
                     ? spawn_dying_with_parent(pid, argv[0], args.data(), envp.data(), out_pipe[1], err_pipe[1])
                     : spawn(pid, args.data(), envp.data(), out_pipe[1], err_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw ConversionError(ErrorKind::Internal, argv[0], std::string("cannot run: ") + std::strerror(rc));
  }

  SubprocessResult result;
  Stream streams[2];
  streams[0].fd = out_pipe[0];
  streams[0].capture = options.capture_stdout ? &result.out : nullptr;
  streams[0].limit = options.capture_limit;
  streams[0].on_line = &options.on_stdout_line;
  streams[1].fd = err_pipe[0];
  streams[1].capture = options.capture_stderr ? &result.err : nullptr;
  streams[1].limit = options.capture_limit;
  streams[1].on_line = &options.on_stderr_line;

  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  auto kill_group = [&] { ::kill(-pid, SIGKILL); };
  bool killed = false;
  int open_streams = 2;
  char buf[65536];
  while (open_streams > 0) {
    pollfd fds[2];
    int n = 0;
    int map[2];
    for (int i = 0; i < 2; ++i)
      if (streams[i].fd >= 0) {
        fds[n] = {streams[i].fd, POLLIN, 0};
        map[n++] = i;
      }
    int pr = poll(fds, n, 200);
    if (pr < 0 && errno != EINTR) break;
    for (int j = 0; j < n && pr > 0; ++j) {
      if (!(fds[j].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Stream& s = streams[map[j]];
      ssize_t got = read(s.fd, buf, sizeof buf);
      if (got > 0) {
        s.feed(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
        s.flush();
        close(s.fd);
        s.fd = -1;
        --open_streams;
      }
    }
    if (killed) continue;
    if (options.cancel.cancelled()) {
      result.cancelled = true;
      kill_group();
      killed = true;
    } else if (options.timeout && clock::now() - start > *options.timeout) {
      result.timed_out = true;
      kill_group();
      killed = true;
    } else if (options.keep_running && !options.keep_running()) {
      result.stopped_by_watchdog = true;
      kill_group();
      killed = true;
    }
  }
  for (auto& s : streams)
    if (s.fd >= 0) close(s.fd);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  // Grandchildren (e.g. qemu started by libguestfs) must not outlive a kill.
  if (killed) kill_group();
  return result;
}

std::string tail_lines(const std::string& text, std::size_t max_lines) {
  if (max_lines == 0) return {};
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  std::size_t count = 0;
  while (pos > 0) {
    std::size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    if (++count == max_lines) return text.substr(nl + 1);
    pos = nl;
  }
  return text;
}

}  // namespace h2k
