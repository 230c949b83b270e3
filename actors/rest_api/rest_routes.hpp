#pragma once
// The REST API's routes, actor- and socket-free: an HTTP request (method,
// path, query, body) becomes the control request the socket would get for
// the same thing, or an HTTP error. Every request goes through
// parse_control_request, so the API validates exactly like the socket.
//
//   GET    /health            200 {"status":"ok"} (no token needed)
//   GET    /status            status
//   GET    /nodes             nodes
//   GET    /jobs              list-jobs   (?state=&limit=)
//   POST   /jobs              queue-job   {"path", "priority", "name"} -> 201
//   GET    /jobs/{id}         job-status
//   DELETE /jobs/{id}         cancel-job
//   POST   /jobs/{id}/retry   retry-job
//   POST   /convert           {"path",...} -> queue-job (201); {"vm","vcenter"} -> 501 for now
//   GET    /metrics           stats format prometheus, as text/plain
//   POST   /control           the raw control request object (hyperctl --server)
#include <map>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "actors/control_protocol/control_protocol.hpp"

namespace h2k {

struct HttpCall {
  std::string method;                              // "GET", "POST", ...
  std::string path;                                // decoded, without the query
  std::multimap<std::string, std::string> params;  // the query
  std::string body;
};

struct HttpError {
  int status = 400;
  std::string message;
  std::string allow;        // 405: the methods the path takes ("GET, POST")
  bool as_control = false;  // POST /control: answered as a control error reply, like the socket does
};

struct HealthRoute {};

struct ControlRoute {
  ControlRequest request;
  int ok_status = 200;
  bool metrics_text = false;  // answer with the reply's "metrics" as Prometheus text
  bool raw_reply = false;     // POST /control: the reply object itself is the body
};

using Route = std::variant<HealthRoute, ControlRoute, HttpError>;

Route route_request(const HttpCall& call);

// HTTP status for a control reply: ok -> ok_status; otherwise by its
// error_kind: invalid 400, not_found 404, conflict 409, unavailable 503,
// anything else (a daemon error) 500.
int status_for_reply(const nlohmann::json& reply, int ok_status);

// {"error": message}
nlohmann::json error_body(const std::string& message);

}  // namespace h2k
