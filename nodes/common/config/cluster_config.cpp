// ClusterConfig: role names, host:port parsing and to_json() (the `cluster`
// entry of --check-config). Parsed in daemon_config_parse.cpp, checked
// against the folders in daemon_config_validate.cpp.
#include "nodes/common/config/cluster_config.hpp"

#include <algorithm>
#include <cctype>

namespace h2k {

namespace {

// Durations as seconds, as DaemonConfig::to_json() prints them: whole
// numbers stay integers (1), others are fractions (0.5).
nlohmann::json seconds(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return ms.count() / 1000;
  return static_cast<double>(ms.count()) / 1000.0;
}

std::optional<HostPort> bad(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return std::nullopt;
}

}  // namespace

const char* to_string(NodeRole r) {
  switch (r) {
    case NodeRole::Coordinator: return "coordinator";
    case NodeRole::Converter: return "converter";
    case NodeRole::Watcher: return "watcher";
    case NodeRole::Exporter: return "exporter";
  }
  return "coordinator";
}

std::optional<NodeRole> node_role_from_string(std::string_view name) {
  for (NodeRole r : {NodeRole::Coordinator, NodeRole::Converter, NodeRole::Watcher, NodeRole::Exporter})
    if (name == to_string(r)) return r;
  return std::nullopt;
}

std::optional<HostPort> parse_host_port(std::string_view text, std::string* why) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad(why, "'[' without a closing ']'");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return bad(why, "expected ':port' after ']'");
    port = rest.substr(1);
    if (host.find(':') == std::string_view::npos) return bad(why, "brackets are for IPv6 addresses only");
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad(why, "expected host:port (no port given)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return bad(why, "an IPv6 address must be written in brackets, as [address]:port");
  }
  if (host.empty()) return bad(why, "the host is empty");
  for (char ch : host)
    if (std::isspace(static_cast<unsigned char>(ch)) || std::iscntrl(static_cast<unsigned char>(ch)) || ch == '/' ||
        ch == '[' || ch == ']' || ch == '@')
      return bad(why, "the host contains '" + std::string(1, ch) + "'");
  if (port.empty()) return bad(why, "the port is empty");
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return bad(why, "the port must be a number 1..65535");
  const int p = std::stoi(std::string(port));
  if (p < 1 || p > 65535) return bad(why, "the port must be a number 1..65535");
  return HostPort{std::string(host), static_cast<std::uint16_t>(p)};
}

bool ClusterConfig::has_role(NodeRole r) const { return std::find(roles.begin(), roles.end(), r) != roles.end(); }

nlohmann::json ClusterConfig::to_json() const {
  if (!enabled) return nullptr;
  nlohmann::json role = nlohmann::json::array();
  for (NodeRole r : roles) role.push_back(to_string(r));
  const bool coordinator_here = has_role(NodeRole::Coordinator);
  // The key that does not apply to this node (listen elsewhere than on the
  // coordinator, coordinator on the coordinator itself) is null.
  return {
      {"role", role},
      {"node_name", node_name},
      {"listen", coordinator_here ? nlohmann::json(listen.to_string()) : nlohmann::json(nullptr)},
      {"coordinator", coordinator_here ? nlohmann::json(nullptr) : nlohmann::json(coordinator.to_string())},
      {"share_root", share_root.string()},
      {"heartbeat_interval", seconds(heartbeat_interval)},
      {"node_timeout", seconds(node_timeout)},
      // Paths only: the key file's content never appears.
      {"tls", {{"certificate", tls.certificate.string()}, {"key", tls.key.string()}, {"ca", tls.ca.string()}}},
  };
}

}  // namespace h2k
