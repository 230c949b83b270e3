#pragma once
// Helpers for the notifier tests: job events and settings as the scheduler
// and daemon.yaml would give them, the local python servers (webhook
// receiver, SMTP sink) started as child processes, their JSON-lines records,
// a self-signed certificate, and a thread-safe capture of the dispatcher's
// log lines.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/unit/support/test_paths.hpp"
#include "actors/notifier/notification_dispatcher.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k::test {

// 2026-01-17T14:30:00Z, the time of the guide's payload examples.
constexpr std::int64_t kExampleMs = 1768660200000;

inline msg::job_event job_event(const std::string& kind) {
  msg::job_event e;
  e.kind = kind;
  e.job_id = "job-0042";
  e.filename = "vm-123.vmdk";
  e.file_type = "vmdk";
  e.file_size = 51'200'000'000;  // "51.2GB", 51200.0 MB
  e.attempt = 1;
  e.max_retries = 3;
  e.at_ms = kExampleMs;
  if (kind == "retry_scheduled" || kind == "failed" || kind == "rejected") {
    e.error = "Connection timeout to vSphere";
    e.phase = "copy";
  }
  if (kind == "retry_scheduled") e.next_retry_at_ms = kExampleMs + 5 * 60 * 1000;
  if (kind == "succeeded") {
    e.output_path = "2026-01-17/vm-123";
    e.duration_s = 272;
    e.bytes_converted = 20'000'000'000;
  }
  return e;
}

inline NotificationSettings enabled_settings() {
  NotificationSettings s;
  s.enabled = true;
  return s;
}

// A failure notification as the daemon would send it.
inline Notification failure_notification() {
  auto n = notification_for(job_event("retry_scheduled"), enabled_settings());
  BOOST_TEST_REQUIRE(n.has_value());
  return *n;
}

// One of the python servers in this folder, started with `args`, on a free
// port it reports with "READY <port>"; stopped (SIGTERM, then SIGKILL) when
// the object goes away.
class LocalServer {
public:
  LocalServer(const std::string& script, const std::vector<std::string>& args) {
    const std::string path = std::string(H2K_SOURCE_DIR) + "/tests/unit/notifier/" + script;
    std::vector<std::string> argv{"python3", "-u", path};
    argv.insert(argv.end(), args.begin(), args.end());
    int fds[2];
    BOOST_TEST_REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    pid_ = ::fork();
    BOOST_TEST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execvp(cargv[0], cargv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (out.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    BOOST_TEST_REQUIRE(out.rfind("READY ", 0) == 0, script << " did not start; its stdout: '" << out << "'");
    port_ = std::stoi(out.substr(6));
  }
  ~LocalServer() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  int port() const { return port_; }

private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// The JSON lines a server recorded so far.
inline std::vector<nlohmann::json> read_records(const std::filesystem::path& file) {
  std::vector<nlohmann::json> out;
  std::istringstream in(read_file(file));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// The records of one "type" (SMTP sink).
inline std::vector<nlohmann::json> records_of(const std::filesystem::path& file, const std::string& type) {
  std::vector<nlohmann::json> out;
  for (auto& r : read_records(file))
    if (r.value("type", "") == type) out.push_back(r);
  return out;
}

// A TCP port on 127.0.0.1 that nothing listens on (bound, read, closed).
inline int unused_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

// A self-signed certificate for 127.0.0.1 (cert.pem, key.pem in `dir`),
// which the servers present and tls_ca_file trusts.
struct SelfSignedCert {
  std::filesystem::path cert, key;
  explicit SelfSignedCert(const std::filesystem::path& dir) : cert(dir / "cert.pem"), key(dir / "key.pem") {
    run_ok({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.string(), "-out", cert.string()},
           std::chrono::seconds(60));
  }
};

// Collects the dispatcher's log lines (it logs from its worker thread).
class LogCapture {
public:
  NotificationDispatcher::LogFn fn() {
    return [this](int level, const std::string& line) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(level, line);
      BOOST_TEST_MESSAGE("log[" << level << "] " << line);
    };
  }
  std::vector<std::pair<int, std::string>> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }
  std::string text() const {
    std::string all;
    for (auto& [level, line] : lines()) all += line + "\n";
    return all;
  }
  // Waits until some line contains `needle`.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (text().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

private:
  mutable std::mutex mu_;
  std::vector<std::pair<int, std::string>> lines_;
};

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace h2k::test
