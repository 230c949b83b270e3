#include "tools/hyperctl/commands.hpp"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include "tools/hyperctl/exit_codes.hpp"
#include "tools/hyperctl/json_fields.hpp"
#include "tools/hyperctl/render.hpp"

namespace h2k::hyperctl {
namespace {

bool process_exists(long long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

}  // namespace

int run_request(ControlClient& client, bool json, const nlohmann::json& request, const Renderer& render) {
  ControlReply reply = client.request(request);
  if (json) std::cout << reply.line << "\n";
  if (!reply.ok()) {
    std::cerr << "hyperctl: " << reply.error() << "\n";
    return exit_code::kDaemonError;
  }
  if (!json) std::cout << render(reply.json);
  return exit_code::kOk;
}

int run_drain(ControlClient& client, bool json, bool wait) {
  int rc = run_request(client, json, {{"command", "drain"}}, render_daemon_state);
  if (rc != exit_code::kOk || !wait) return rc;
  std::optional<long long> pid;
  std::string last_counts;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    try {
      ControlReply reply = client.request({{"command", "status"}});
      if (!reply.ok()) {
        std::cerr << "hyperctl: " << reply.error() << "\n";
        return exit_code::kDaemonError;
      }
      if (auto p = number_field(reply.json, "pid")) pid = static_cast<long long>(*p);
      const std::string counts = "Draining: " + text_field(reply.json, "running", "?") + " running, " +
                                 text_field(reply.json, "queued", "?") + " queued";
      if (!json && counts != last_counts) std::cout << counts << std::endl;
      last_counts = counts;
    } catch (const ControlClientError& e) {
      // A busy daemon is still there; anything else means the socket is gone.
      if (e.kind() == ControlClientError::Kind::timeout) continue;
      break;
    }
  }
  // The socket closes before the daemon has finished saving its state.
  while (pid && process_exists(*pid)) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (!json) std::cout << "Daemon stopped." << std::endl;
  return exit_code::kOk;
}

int run_node_status(ControlClient& client, bool json, const std::string& node) {
  ControlReply reply = client.request({{"command", "nodes"}});
  if (!reply.ok()) {
    if (json) std::cout << reply.line << "\n";
    std::cerr << "hyperctl: " << reply.error() << "\n";
    return exit_code::kDaemonError;
  }
  const nlohmann::json& nodes = member(reply.json, "nodes");
  std::string known;
  if (nodes.is_array()) {
    for (const auto& entry : nodes) {
      const std::string name = text_field(entry, "name", "");
      if (name == node) {
        if (json)
          std::cout << entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        else
          std::cout << render_node_detail(entry);
        return exit_code::kOk;
      }
      if (!name.empty()) known += (known.empty() ? "" : ", ") + name;
    }
  }
  std::cerr << "hyperctl: no node '" << node << "' (known: " << (known.empty() ? "none" : known) << ")\n";
  return exit_code::kDaemonError;
}

}  // namespace h2k::hyperctl
