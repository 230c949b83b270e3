#pragma once
// The control socket's wire protocol, actor-free: one JSON object per line
// from the client ({"command": "<name>", ...args}), one JSON object per line
// back ({"ok": true, ...} or {"ok": false, "error": "<message>"}).
//
// Every request is validated here, before the daemon sees it, so the handler
// only ever gets known commands with well-typed arguments, and a client gets
// an error that names the command and the argument it got wrong.
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

}  // namespace h2k
