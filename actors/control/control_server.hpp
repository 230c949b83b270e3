#pragma once
// The daemon's control socket, actor-free: a Unix stream socket that reads
// one JSON request per line, validates it (control_protocol.hpp), hands it to
// a handler and writes the handler's reply back as one line, in order.
//
// One accept thread plus one thread per connected client (bounded), so a
// handler that blocks (waiting for the daemon's actors) or a client that
// never reads its replies holds up only its own connection.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/control_protocol/control_protocol.hpp"
#include "actors/control_protocol/unix_socket.hpp"

namespace h2k {

struct ControlServerOptions {
  std::filesystem::path socket_path;  // <state_dir>/control.sock
  mode_t mode = 0660;                 // owner and group may control the daemon
  std::size_t max_request_bytes = 65536;
  std::size_t max_clients = 32;
  std::chrono::milliseconds idle_timeout{300000};  // no byte received (or none of a reply taken) for this long -> close
};

// ControlHandler (control_protocol.hpp): called on a client's thread.

class ControlServer {
public:
  // `log` receives one line per notable event (refused client, oversize
  // request, handler exception); called from the server's threads.
  ControlServer(ControlServerOptions options, ControlHandler handler,
                std::function<void(const std::string&)> log = {});
  ~ControlServer();  // stop()
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Creates the socket's folder if needed, removes a stale socket file (one
  // nobody answers on), binds, sets the mode, listens and starts the accept
  // thread. Throws std::system_error naming the path when another process
  // already serves the socket, when the path exists and is not a socket, or
  // when any step fails. Call once.
  void start();

  // Closes the listener and every client connection, joins all threads
  // (waiting for handlers that are running to return) and removes the
  // socket file (only if it is still the one start() made). Idempotent.
  void stop();

  const std::filesystem::path& socket_path() const { return options_.socket_path; }

private:
  // The client's thread owns (and closes) the connection itself, so a
  // connection ends the moment its thread does, not when it is reaped.
  struct Client {
    std::thread thread;
    std::atomic<bool> finished{false};
  };

  void remove_stale_socket() const;
  void accept_loop();
  void accept_one();
  void reap_finished_clients();
  void serve_client(UniqueFd fd);
  // Returns false when the connection must close.
  bool answer_line(int fd, std::string_view line);
  bool send_reply(int fd, const nlohmann::json& reply);
  void log(const std::string& line) const;

  ControlServerOptions options_;
  ControlHandler handler_;
  std::function<void(const std::string&)> log_;
  UniqueFd listener_;
  // Written once by stop(); never drained, so every thread polling its read
  // end keeps seeing "stop" until it has left.
  UniqueFd wake_read_;
  UniqueFd wake_write_;
  std::thread accept_thread_;
  // Only the accept thread touches this list while it runs; stop() after
  // joining it.
  std::list<std::unique_ptr<Client>> clients_;
  ino_t socket_inode_ = 0;
  dev_t socket_dev_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace h2k
