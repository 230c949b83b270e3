#include "nodes/hyper2kvm/cluster_node.hpp"

#include <algorithm>

#include <csignal>
#include <cstring>
#include <iostream>
#include <pthread.h>
#include <systemd/sd-daemon.h>

#include <caf/all.hpp>

#include "actors/cluster/coordinator_link_actor.hpp"
#include "actors/converter/converter_actor.hpp"
#include "actors/exporter/exporter_actor.hpp"
#include "actors/scheduler/job_needs.hpp"
#include "actors/watcher/watcher_actor.hpp"
#include "engine/verify/accel.hpp"
#include "messages/register_messages.hpp"
#include "nodes/hyper2kvm/cluster_network.hpp"
#include "nodes/hyper2kvm/daemon_log.hpp"
#include "nodes/hyper2kvm/daemon_signals.hpp"
#include "nodes/hyper2kvm/slot_settings.hpp"

namespace h2k {
namespace fs = std::filesystem;

namespace {

using namespace std::chrono_literals;

std::vector<std::string> role_names(const ClusterConfig& c) {
  std::vector<std::string> out;
  for (auto r : c.roles) out.emplace_back(to_string(r));
  return out;
}

}  // namespace

int run_cluster_node(const DaemonConfig& given_config, const fs::path& self_exe) {
  DaemonConfig config = given_config;  // its libguestfs settings as this host's accelerator allows
  sigset_t signals = block_daemon_signals();

  const ClusterConfig& cluster = config.cluster;
  auto log = make_daemon_logger(config.log_file, config.verbose);
  FaultPlan faults;
  try {
    faults = FaultPlan::from_env();
    for (const auto& dir : {config.watch_dir, config.output_dir, config.work_dir}) fs::create_directories(dir);
  } catch (const std::exception& e) {
    log->critical("cannot start: {}", e.what());
    std::cerr << "hyper2kvm: cannot start: " << e.what() << "\n";
    return 1;
  }
  const bool converter = cluster.has_role(NodeRole::Converter);
  const bool watcher = cluster.has_role(NodeRole::Watcher);
  const bool exporter = cluster.has_role(NodeRole::Exporter);
  log->info("hyper2kvm cluster node {} starting (pid {}, roles {}): coordinator {}, share {}{}", cluster.node_name,
            ::getpid(), nlohmann::json(role_names(cluster)).dump(), cluster.coordinator.to_string(),
            cluster.share_root.string(), cluster.tls.enabled() ? ", mutual TLS" : ", plaintext (no cluster.tls)");
  // Measured before registering: the coordinator places jobs by it.
  if (converter) settle_host_accel(config, self_exe, *log);

  caf::actor_system_config cfg;
  msg::register_messages(cfg);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", 2);
  configure_cluster_network(cfg, cluster);
  caf::actor_system system{cfg};

  LinkSettings link_settings;
  link_settings.node_name = cluster.node_name;
  link_settings.roles = role_names(cluster);
  link_settings.host = cluster.node_name;
  link_settings.slots = converter ? static_cast<std::size_t>(config.max_concurrent_jobs) : 0;
  link_settings.export_slots = exporter ? static_cast<std::size_t>(config.exports.concurrent_exports) : 0;
  link_settings.scratch_dir = config.work_dir;
  link_settings.heartbeat_interval = cluster.heartbeat_interval;
  link_settings.share_root = cluster.share_root;
  // Often enough that a node's lost share is known well within node_timeout
  // (after which its running jobs move), seldom enough to cost nothing.
  link_settings.share_check_interval = std::clamp<std::chrono::milliseconds>(
      std::chrono::duration_cast<std::chrono::milliseconds>(cluster.node_timeout) / 2,
      std::chrono::duration_cast<std::chrono::milliseconds>(cluster.heartbeat_interval), std::chrono::milliseconds(5000));
  if (converter) {
    const Accel accel = converter_accel(config);
    link_settings.accel = to_string(accel);
    link_settings.capabilities = host_capabilities(accel == Accel::Kvm, config.conversion.virtio_win_dir);
  }
  ConverterSettings conv = converter_settings(config, self_exe, faults);
  // A slot waits as long as a coordinator restart may take: its link holds
  // the request meanwhile.
  conv.scheduler_timeout = std::chrono::seconds(3600);
  // Without virtio-win here, a Windows guest is handed back rather than
  // converted on emulated devices: the coordinator gives it to a node that
  // has the drivers (no effect on a node that has them).
  conv.windows_requires_virtio_win = true;
  SlotFactory make_slot = [conv](caf::actor_system& sys, msg::job_report_actor link) {
    return sys.spawn(converter_actor_fn, link, conv);
  };
  // Export slots write into the share as this host mounts it and report
  // "exported" to the coordinator through the link: the coordinator queues
  // the conversion directly, on whichever converter node it picks.
  SlotFactory make_export_slot = [exp = exporter_settings(config), log](caf::actor_system& sys,
                                                                         msg::job_report_actor link) {
    return sys.spawn(exporter_actor_fn, link, exp, log);
  };
  auto link = system.spawn(coordinator_link_actor_fn, link_settings, make_slot, log, make_export_slot);

  msg::watcher_actor watcher_actor;
  if (watcher) {
    WatcherOptions watch = watcher_options(config);
    watcher_actor = system.spawn<caf::detached>(watcher_actor_fn, watch, link, log);
  }
  sd_notify(0, "READY=1");

  // Connect, and reconnect whenever the coordinator goes away: 200 ms
  // after a loss (the first reconnect may return the dead proxy), doubling
  // to 2 s while it stays unreachable.
  {
    caf::scoped_actor self{system};
    auto backoff = 200ms;
    std::optional<msg::scheduler_actor> coordinator;
    bool stopping = false;
    std::string last_error;
    int handshake_failures = 0;  // in a row
    while (!stopping) {
      if (!coordinator) {
        std::string error;
        coordinator = connect_coordinator(system, cluster, std::max<std::chrono::milliseconds>(cluster.node_timeout, 2s), error);
        if (coordinator) {
          log->info("connected to the coordinator at {}", cluster.coordinator.to_string());
          self->monitor(*coordinator);
          self->send(link, *coordinator);
          backoff = 200ms;
          last_error.clear();
          handshake_failures = 0;
        } else {
          // Refused at the handshake, again and again: a TLS mismatch
          // (another CA, plain TCP against TLS) or another build. Retrying
          // fast would not help, and with CAF 0.17's TLS each refused
          // handshake makes the coordinator drop its other connections for
          // a moment: retry slowly. One or two such failures are a
          // coordinator going down mid-handshake: the usual backoff.
          const bool handshake = error.find("handshake") != std::string::npos;
          handshake_failures = handshake ? handshake_failures + 1 : 0;
          const bool refused = handshake_failures >= 3;
          if (refused) backoff = 30s;
          if (refused && handshake_failures == 3)
            log->error("cannot reach the coordinator at {} (cluster.coordinator): it closed the connection during the "
                       "handshake {} times in a row ({}): check cluster.tls (this node's certificate must be signed by "
                       "the CA the coordinator trusts, and both must use TLS, or neither); retrying every 30 s",
                       cluster.coordinator.to_string(), handshake_failures, error);
          else if (error != last_error)
            log->warn("cannot reach the coordinator at {} (cluster.coordinator): {}; retrying",
                      cluster.coordinator.to_string(), error);
          last_error = error;
        }
      }
      const auto wait = coordinator ? std::chrono::milliseconds(250) : backoff;
      self->receive(
          [&](caf::down_msg& dm) {
            if (coordinator && dm.source == coordinator->address()) {
              log->warn("connection to the coordinator lost ({}): reconnecting", caf::to_string(dm.reason));
              coordinator.reset();
              backoff = 200ms;
            }
          },
          caf::after(wait) >> [&] {
            // Capped at 2 s: a restarted coordinator is found within ~2.5 s.
            if (!coordinator && backoff < 2s) backoff = std::min<std::chrono::milliseconds>(backoff * 2, 2s);
          });
      timespec zero{0, 0};
      int sig = sigtimedwait(&signals, nullptr, &zero);
      if (sig == SIGTERM || sig == SIGINT) {
        log->info("signal {}: stopping (running conversions are interrupted; the coordinator runs them again)",
                  strsignal(sig));
        stopping = true;
      }
    }
  }
  sd_notify(0, "STOPPING=1");
  if (watcher_actor) caf::anon_send(watcher_actor, msg::shutdown_atom::value);
  // The slots cancel their jobs and report "cancelled" (requeued, not
  // charged) through the link; give the reports a moment to leave.
  caf::anon_send(link, msg::shutdown_atom::value);
  system.await_all_actors_done();
  log->info("hyper2kvm cluster node {} stopped", cluster.node_name);
  return 0;
}

}  // namespace h2k
