#pragma once
// The coordinator's REST API: cpp-httplib serves the routes of rest_routes.hpp
// on its own threads (a bounded pool) and answers each with the reply of the
// same ControlHandler the control socket uses, so every command has one
// implementation. Auth: "Authorization: Bearer <token>" when a token file is
// configured (everything but GET /health).
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "actors/control_protocol/control_protocol.hpp"
#include "actors/rest_api/bearer_token.hpp"
#include "actors/rest_api/rest_api_options.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace h2k {

// The address could not be bound (in use, not local): the daemon decides
// whether that stops it (an address the user chose) or not (the default).
class RestApiBindError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class RestApiServer {
public:
  // `log` gets one line per notable event (refused token, handler failure);
  // called from the server's threads. Never given the token.
  RestApiServer(RestApiOptions options, ControlHandler handler, std::function<void(const std::string&)> log = {});
  ~RestApiServer();  // stop()
  RestApiServer(const RestApiServer&) = delete;
  RestApiServer& operator=(const RestApiServer&) = delete;

  // Reads the token file (std::runtime_error naming it when it is unsafe or
  // unreadable), binds (RestApiBindError naming listen_key) and starts
  // serving. Call once.
  void start();
  // Stops accepting, finishes the requests in progress, joins. Idempotent.
  void stop();

  std::uint16_t port() const { return options_.port; }

private:
  void handle(const httplib::Request& req, httplib::Response& res);
  bool authorized(const httplib::Request& req) const;
  void log(const std::string& line) const;

  RestApiOptions options_;
  ControlHandler handler_;
  std::function<void(const std::string&)> log_;
  std::optional<BearerToken> token_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace h2k
