#include "nodes/hyper2kvm/cluster_network.hpp"

#include <stdexcept>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

namespace h2k {

void configure_cluster_network(caf::actor_system_config& cfg, const ClusterConfig& cluster) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", caf::timespan{cluster.heartbeat_interval});
  cfg.set("middleman.connection-timeout", caf::timespan{cluster.node_timeout});
  // Peers of another build (message layout) are refused at the handshake.
  cfg.set("middleman.app-identifier", "hyper2kvm-cluster-1");
  // Each incoming message is deserialized on the network thread and put
  // straight into its actor's mailbox, instead of being handed to a BASP
  // worker on the actor threads first (CAF's default: one such worker on a
  // 2-core host): one thread hand-off (a futex wake, a context switch) less
  // per message. Cluster messages are small control messages, so the
  // network thread is never held up long. Measured: coordinator CPU per
  // dispatched job 0.19-0.21 ms against 0.21-0.23 (bench/cluster, 9 rounds).
  cfg.set("middleman.workers", std::size_t{0});
  if (cluster.tls.enabled()) {
    cfg.openssl_certificate = cluster.tls.certificate.string();
    cfg.openssl_key = cluster.tls.key.string();
    cfg.openssl_cafile = cluster.tls.ca.string();
    cfg.load<caf::openssl::manager>();
  }
}

namespace {

caf::io::middleman_actor network(caf::actor_system& sys, const ClusterConfig& cluster) {
  return cluster.tls.enabled() ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
}

}  // namespace

void publish_scheduler(caf::actor_system& sys, const ClusterConfig& cluster, const msg::scheduler_actor& scheduler) {
  const char* addr = cluster.listen.host.empty() || cluster.listen.host == "0.0.0.0" ? nullptr
                                                                                      : cluster.listen.host.c_str();
  auto port = cluster.tls.enabled() ? caf::openssl::publish(scheduler, cluster.listen.port, addr, true)
                                    : sys.middleman().publish(scheduler, cluster.listen.port, addr, true);
  if (!port)
    throw std::runtime_error("cannot listen on " + cluster.listen.to_string() + " (cluster.listen): " +
                             sys.render(port.error()));
}

std::optional<msg::scheduler_actor> connect_coordinator(caf::actor_system& sys, const ClusterConfig& cluster,
                                                        std::chrono::milliseconds timeout, std::string& error) {
  caf::scoped_actor self{sys};
  std::optional<msg::scheduler_actor> result;
  self->request(network(sys, cluster), timeout, caf::connect_atom::value, cluster.coordinator.host,
                cluster.coordinator.port)
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            if (!ptr) {
              error = "nothing is published at " + cluster.coordinator.to_string();
              return;
            }
            result = caf::actor_cast<msg::scheduler_actor>(std::move(ptr));
          },
          [&](caf::error& e) { error = sys.render(e); });
  return result;
}

}  // namespace h2k
