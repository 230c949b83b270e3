#pragma once
// The `cluster:` section of daemon.yaml. Absent: the single-host daemon
// (every actor in one process, no network). Present: this process is one
// node of a cluster, its role(s) chosen here; nodes talk over CAF's
// middleman (libcaf_io), disks move through the shared folder.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace h2k {

enum class NodeRole { Coordinator, Converter, Watcher, Exporter };
const char* to_string(NodeRole r);
// "coordinator" -> Coordinator, ...; nullopt for any other name.
std::optional<NodeRole> node_role_from_string(std::string_view name);

struct HostPort {
  std::string host;        // name or address ("0.0.0.0" = every address, listen only); IPv6 without brackets
  std::uint16_t port = 0;
  // "host:port"; an IPv6 address in brackets ("[fd00::1]:4710").
  std::string to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
};

// Parses "host:port" or "[v6-address]:port" strictly: host non-empty (no
// spaces, an IPv6 address only in brackets), port 1..65535 in decimal digits.
// nullopt with the reason in *why when it is not.
std::optional<HostPort> parse_host_port(std::string_view text, std::string* why = nullptr);

// Mutual TLS through libcaf_openssl. All three or none: half a TLS config is
// refused at start (libcaf_openssl would fall back to anonymous TLS).
struct ClusterTls {
  std::filesystem::path certificate;  // PEM, this node's certificate
  std::filesystem::path key;          // PEM, its private key
  std::filesystem::path ca;           // PEM, the CA every peer's certificate must chain to
  bool enabled() const { return !certificate.empty(); }
};

struct ClusterConfig {
  bool enabled = false;                       // a `cluster:` section was given
  std::vector<NodeRole> roles;                // role: coordinator | [watcher, converter] ...
  std::string node_name;                      // default: the host name; unique in the cluster
  HostPort listen{"0.0.0.0", 4710};           // coordinator: where nodes connect
  HostPort coordinator;                       // other roles: where the coordinator is
  // Where THIS host mounts the shared folder. watch_dir and output_dir must
  // lie inside it; messages carry paths relative to watch_dir/output_dir, so
  // hosts may mount the share at different places.
  std::filesystem::path share_root;
  std::chrono::milliseconds heartbeat_interval = std::chrono::seconds(1);
  std::chrono::milliseconds node_timeout = std::chrono::seconds(10);
  ClusterTls tls;

  bool has_role(NodeRole r) const;
  nlohmann::json to_json() const;
};

}  // namespace h2k
