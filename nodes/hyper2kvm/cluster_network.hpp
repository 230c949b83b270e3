#pragma once
// CAF's network layer for cluster mode: the middleman (libcaf_io), its
// heartbeats, and mutual TLS (libcaf_openssl) when `cluster.tls` is set.
// No home-made RPC: the coordinator publishes its scheduler actor, nodes
// connect to it and talk in the typed messages of messages/.
#include <chrono>
#include <optional>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "messages/interfaces.hpp"
#include "nodes/common/config/cluster_config.hpp"

namespace h2k {

// Loads the middleman (and the OpenSSL manager with this node's
// certificate, key and CA) and turns heartbeats on. Every node must do
// this: CAF's defaults send no heartbeat, so a frozen or cut-off peer would
// never be noticed. The connection timeout is the cluster's node_timeout.
void configure_cluster_network(caf::actor_system_config& cfg, const ClusterConfig& cluster);

// Coordinator: publishes the scheduler on cluster.listen (address reuse, so
// a restarted coordinator binds again at once). Throws std::runtime_error
// naming the address and CAF's reason.
void publish_scheduler(caf::actor_system& sys, const ClusterConfig& cluster, const msg::scheduler_actor& scheduler);

// Node: one connection attempt to the coordinator, bounded by `timeout`
// (a blocking remote_actor has none). On failure: nullopt and `error` says why.
std::optional<msg::scheduler_actor> connect_coordinator(caf::actor_system& sys, const ClusterConfig& cluster,
                                                        std::chrono::milliseconds timeout, std::string& error);

}  // namespace h2k
