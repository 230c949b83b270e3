#include "actors/control/control_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace h2k {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// Replies may carry strings the daemon took from the outside world (file
// names, guest text): never let invalid UTF-8 turn a reply into an exception.
std::string reply_line(const json& reply) {
  return reply.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

ControlServer::ControlServer(ControlServerOptions options, ControlHandler handler,
                             std::function<void(const std::string&)> log)
    : options_(std::move(options)), handler_(std::move(handler)), log_(std::move(log)) {}

ControlServer::~ControlServer() { stop(); }

void ControlServer::log(const std::string& line) const {
  if (!log_) return;
  try {
    log_(line);
  } catch (...) {
    // A failing logger must not take a client thread (or the daemon) down.
  }
}

// A socket file left by a daemon that crashed would make bind() fail with
// EADDRINUSE forever. It is stale only if nobody answers on it; if someone
// does, another daemon owns this output folder and we must not steal it.
void ControlServer::remove_stale_socket() const {
  const std::string path = options_.socket_path.string();
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw_errno(errno, "cannot inspect control socket " + path);
  }
  if (!S_ISSOCK(st.st_mode))
    throw_errno(EEXIST, "control socket path " + path + " exists and is not a socket; not replacing it");
  const sockaddr_un addr = unix_socket_address(options_.socket_path);
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!probe) throw_errno(errno, "cannot create a socket to probe " + path);
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 || errno == EAGAIN)
    // EAGAIN: a listener whose backlog is full is still a live listener.
    throw_errno(EADDRINUSE, "control socket " + path + " is served by another process (is another daemon running?)");
  if (errno != ECONNREFUSED) throw_errno(errno, "cannot probe control socket " + path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno(errno, "cannot remove stale control socket " + path);
  log("control: removed stale socket " + path);
}

void ControlServer::start() {
  if (started_) throw std::logic_error("ControlServer::start called twice for " + options_.socket_path.string());
  const std::string path = options_.socket_path.string();
  const sockaddr_un addr = unix_socket_address(options_.socket_path);

  std::error_code ec;
  if (options_.socket_path.has_parent_path()) std::filesystem::create_directories(options_.socket_path.parent_path(), ec);
  if (ec) throw std::system_error(ec, "cannot create the folder of control socket " + path);
  remove_stale_socket();

  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener) throw_errno(errno, "cannot create control socket " + path);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    // EADDRINUSE here: another daemon bound it between our probe and now.
    throw_errno(errno, "cannot bind control socket " + path);
  }
  // From here on the file is ours: remove it again if anything below fails.
  auto fail = [&](int err, const std::string& what) {
    ::unlink(path.c_str());
    throw_errno(err, what);
  };
  // bind() applied the umask; the socket's mode is the access control
  // (connect needs write permission), so set it exactly -- before listen(),
  // so nobody can connect under the wrong mode.
  if (::chmod(path.c_str(), options_.mode) != 0) fail(errno, "cannot chmod control socket " + path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) fail(errno, "cannot inspect control socket " + path);
  if (::listen(listener.get(), 64) != 0) fail(errno, "cannot listen on control socket " + path);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) fail(errno, "cannot create the wake pipe for control socket " + path);

  listener_ = std::move(listener);
  wake_read_.reset(pipe_fds[0]);
  wake_write_.reset(pipe_fds[1]);
  socket_inode_ = st.st_ino;
  socket_dev_ = st.st_dev;
  try {
    accept_thread_ = std::thread([this] { accept_loop(); });
  } catch (const std::system_error& e) {
    listener_.reset();
    fail(e.code().value(), "cannot start the accept thread of control socket " + path);
  }
  started_ = true;
}

void ControlServer::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  // One byte, never read: the pipe stays readable, waking every poll().
  const char byte = 's';
  while (::write(wake_write_.get(), &byte, 1) < 0 && errno == EINTR) {
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  listener_.reset();
  // Remove the file only if it is still ours (not one a successor bound).
  struct stat st {};
  const std::string path = options_.socket_path.string();
  if (::lstat(path.c_str(), &st) == 0 && st.st_ino == socket_inode_ && st.st_dev == socket_dev_) ::unlink(path.c_str());
  for (auto& client : clients_) {
    if (client->thread.joinable()) client->thread.join();
  }
  clients_.clear();
  wake_read_.reset();
  wake_write_.reset();
}

void ControlServer::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log(std::string("control: poll on the listener failed: ") + std::strerror(errno));
      return;
    }
    if (fds[1].revents & POLLIN) return;
    if (fds[0].revents & POLLIN) accept_one();
  }
}

void ControlServer::reap_finished_clients() {
  for (auto it = clients_.begin(); it != clients_.end();) {
    if ((*it)->finished.load()) {
      (*it)->thread.join();
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
}

void ControlServer::accept_one() {
  UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!fd) {
    const int err = errno;
    if (err == EINTR || err == EAGAIN || err == ECONNABORTED) return;
    log(std::string("control: accept failed: ") + std::strerror(err));
    // Out of descriptors: pause instead of spinning on a listener that stays readable.
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) ::usleep(100 * 1000);
    return;
  }
  reap_finished_clients();
  if (clients_.size() >= options_.max_clients) {
    log("control: refusing a client, " + std::to_string(clients_.size()) + " already connected (limit " +
        std::to_string(options_.max_clients) + ")");
    send_all(fd.get(), reply_line(error_reply("too many clients")), Clock::now() + std::chrono::milliseconds(100));
    return;
  }
  auto client = std::make_unique<Client>();
  Client* raw = client.get();
  try {
    client->thread = std::thread([this, raw, conn = std::move(fd)]() mutable {
      // Nothing may escape a thread (std::terminate would take the daemon down).
      try {
        serve_client(std::move(conn));
      } catch (const std::exception& e) {
        log(std::string("control: client connection failed: ") + e.what());
      } catch (...) {
        log("control: client connection failed with an unknown exception");
      }
      raw->finished.store(true);
    });
  } catch (const std::system_error& e) {
    // The lambda (and the connection it owns) is destroyed: the client sees EOF.
    log(std::string("control: cannot start a client thread: ") + e.what());
    return;
  }
  clients_.push_back(std::move(client));
}

void ControlServer::serve_client(UniqueFd conn) {
  const int fd = conn.get();
  const std::size_t max = options_.max_request_bytes;
  std::string buffer;
  std::size_t scanned = 0;  // bytes of `buffer` known to hold no '\n'
  char chunk[65536];
  for (;;) {
    // Answer every complete line already received, in order.
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer.find('\n', scanned)) != std::string::npos; scanned = start) {
      std::string_view line(buffer.data() + start, nl - start);
      start = nl + 1;
      if (line.size() > max) {
        log("control: closing a client whose request exceeds " + std::to_string(max) + " bytes");
        send_reply(fd, error_reply("request exceeds " + std::to_string(max) + " bytes"));
        return;
      }
      if (!answer_line(fd, line)) return;
    }
    buffer.erase(0, start);
    scanned = buffer.size();
    // An unfinished line already past the limit will never become valid:
    // do not keep buffering whatever the client goes on sending.
    if (buffer.size() > max) {
      log("control: closing a client whose request exceeds " + std::to_string(max) + " bytes");
      send_reply(fd, error_reply("request exceeds " + std::to_string(max) + " bytes"));
      return;
    }
    switch (wait_for_fd(fd, POLLIN, Clock::now() + options_.idle_timeout, wake_read_.get())) {
      case WaitResult::ready: break;
      case WaitResult::timeout: log("control: closing an idle client"); return;
      case WaitResult::woken: return;  // stop()
      case WaitResult::failed: return;
    }
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n == 0) return;  // EOF; an unfinished last line is not a request
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return;  // ECONNRESET and friends: the client is gone
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

bool ControlServer::answer_line(int fd, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // tolerate CRLF clients (socat -, telnet)
  if (line.find_first_not_of(" \t") == std::string_view::npos) return true;  // blank line: not a request
  auto parsed = parse_control_request(line);
  if (auto* error = std::get_if<ProtocolError>(&parsed)) return send_reply(fd, error_reply(error->message));
  const auto& request = std::get<ControlRequest>(parsed);
  json reply;
  try {
    reply = handler_(request);
  } catch (const std::exception& e) {
    log("control: " + request.command + " failed: " + e.what());
    reply = error_reply(request.command + ": " + e.what());
  } catch (...) {
    log("control: " + request.command + " failed with an unknown exception");
    reply = error_reply(request.command + ": internal error");
  }
  return send_reply(fd, reply);
}

bool ControlServer::send_reply(int fd, const json& reply) {
  // A client that stops reading gets idle_timeout to take its reply, then
  // is dropped; stop() interrupts the wait.
  const int err = send_all(fd, reply_line(reply), Clock::now() + options_.idle_timeout, wake_read_.get());
  if (err == ETIMEDOUT) log("control: closing a client that does not read its replies");
  return err == 0;
}

}  // namespace h2k
