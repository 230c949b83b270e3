#pragma once
// What each hyperctl command sends and how it prints the answer. main.cpp
// only parses the command line and calls these.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "tools/hyperctl/control_client.hpp"

namespace h2k::hyperctl {

using Renderer = std::function<std::string(const nlohmann::json& reply)>;

// Sends `request` and prints the reply: with `json` exactly the line the
// daemon sent, else render(reply). An ok=false reply prints the daemon's
// error on stderr (and, with `json`, the reply on stdout) and returns 1.
// ControlClientError propagates.
int run_request(ControlClient& client, bool json, const nlohmann::json& request, const Renderer& render);

// `drain` and, with `wait`, polls status every second (printing the counts
// when they change) until the daemon is gone: the socket stops answering and
// the process it reported has exited.
int run_drain(ControlClient& client, bool json, bool wait);

// `status --node NAME`: asks for `nodes` and prints NAME's entry (with
// `json` the node object, one line). A node the daemon does not list is an
// error naming it and the known ones, on stderr, returning 1.
int run_node_status(ControlClient& client, bool json, const std::string& node);

}  // namespace h2k::hyperctl
