#pragma once
// The control socket's wire protocol, actor-free: one JSON object per line
// from the client ({"command": "<name>", ...args}), one JSON object per line
// back ({"ok": true, ...} or {"ok": false, "error": "<message>"}).
//
// Every request is validated here, before the daemon sees it, so the handler
// only ever gets known commands with well-typed arguments, and a client gets
// an error that names the command and the argument it got wrong.
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace h2k {

// A validated request. `args` is the request object without "command";
// optional arguments that were not given are absent (the daemon picks the
// defaults), given ones have the types the protocol promises:
//   stats       format: "json" | "prometheus"
//   queue-job   path: absolute path; priority: "low" | "normal" | "high";
//               options: {"name": VM name}
//   list-jobs   state: "queued" | "running" | "retry_wait" | "done" |
//               "failed" | "cancelled"; limit: integer 1..10000
//   job-status, cancel-job, retry-job   job_id
//   set-priority                        job_id, priority
struct ControlRequest {
  std::string command;
  nlohmann::json args = nlohmann::json::object();
};

// Why a request line was rejected; sent back as error_reply(message).
struct ProtocolError {
  std::string message;
};

std::variant<ControlRequest, ProtocolError> parse_control_request(std::string_view line);

// Every command the protocol knows, in the order hyperctl documents them.
const std::vector<std::string>& control_commands();

// {"ok": false, "error": message}
nlohmann::json error_reply(std::string message);

// What a failed reply's "error_kind" says (absent: a daemon error), so that
// a transport can answer with the right status (the REST API: 400, 404,
// 409, 503, else 500) without parsing messages:
//   invalid      the request is wrong (bad argument, no such file to queue)
//   not_found    no such job or node
//   conflict     the job's state does not allow it (cancel a done job, ...)
//   unavailable  the daemon did not answer in time
inline constexpr const char* kErrorInvalid = "invalid";
inline constexpr const char* kErrorNotFound = "not_found";
inline constexpr const char* kErrorConflict = "conflict";
inline constexpr const char* kErrorUnavailable = "unavailable";

// {"ok": false, "error": message, "error_kind": kind}
nlohmann::json error_reply(std::string message, const char* kind);

// Answers one validated request; every transport (the Unix socket, the REST
// API) calls the same one. Called on the transport's threads, possibly on
// several at once: it must be thread-safe. May block. Whatever it throws
// becomes an error reply.
using ControlHandler = std::function<nlohmann::json(const ControlRequest&)>;

}  // namespace h2k
