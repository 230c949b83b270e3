#include "nodes/hyper2kvm/daemon.hpp"

#include "actors/common/iso_time.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>
#include <pthread.h>
#include <systemd/sd-daemon.h>

#include <caf/all.hpp>

#include "actors/cluster/share_marker.hpp"
#include "actors/control/control_actor.hpp"
#include "actors/converter/converter_actor.hpp"
#include "actors/exporter/exporter_actor.hpp"
#include "actors/notifier/notifier_actor.hpp"
#include "actors/rest_api/rest_api_server.hpp"
#include "actors/scheduler/job_needs.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/stats/stats_actor.hpp"
#include "actors/watcher/watcher_actor.hpp"
#include "messages/register_messages.hpp"
#include "nodes/common/config/state_migration.hpp"
#include "nodes/hyper2kvm/cluster_network.hpp"
#include "nodes/hyper2kvm/tls_refusal_log.hpp"
#include "nodes/hyper2kvm/daemon_log.hpp"
#include "nodes/hyper2kvm/daemon_signals.hpp"
#include "nodes/hyper2kvm/slot_settings.hpp"
#include "storage/job_store.hpp"

namespace h2k {
namespace fs = std::filesystem;

namespace {


void notify_systemd(const std::string& state) { sd_notify(0, state.c_str()); }

// The REST API next to the control socket, answering through the same
// handler. A default address that is taken (another daemon on this host)
// only costs the API, with a warning; an address the user set must work.
// Throws (naming the key) when the API must not run as configured.
std::unique_ptr<RestApiServer> start_rest_api(const ApiConfig& api, ControlHandler handler,
                                              const std::shared_ptr<spdlog::logger>& log) {
  if (!api.enabled) {
    log->info("REST API off (api.listen: off)");
    return nullptr;
  }
  RestApiOptions o;
  o.host = api.listen.host;
  o.port = api.listen.port;
  o.token_file = api.token_file;
  o.max_body_bytes = api.max_body_bytes;
  o.timeout = api.timeout;
  auto rest = std::make_unique<RestApiServer>(o, std::move(handler), [log](const std::string& line) { log->warn("{}", line); });
  try {
    rest->start();
  } catch (const RestApiBindError& e) {
    if (api.listen_explicit) throw;
    log->warn("{}: continuing without the REST API (the control socket works; set api.listen to choose an address)",
              e.what());
    return nullptr;
  }
  log->info("REST API on http://{}{}", api.listen.to_string(), api.token_file.empty() ? "" : " (bearer token required)");
  return rest;
}

}  // namespace

int run_daemon(const DaemonConfig& given_config, const fs::path& self_exe) {
  DaemonConfig config = given_config;  // its libguestfs settings as this host's accelerator allows
  // Signals are taken synchronously by the main thread below.
  sigset_t signals = block_daemon_signals();

  auto log = make_daemon_logger(config.log_file, config.verbose);
  std::shared_ptr<JobStore> store;
  std::string share_id;
  FaultPlan faults;
  try {
    faults = FaultPlan::from_env();  // test-only; a malformed value stops the start
    // State from before state_dir existed (<output_dir>/.daemon) moves once.
    const StateMigration migration = migrate_legacy_state(config.output_dir, config.state_dir);
    if (migration.action == StateMigration::Action::legacy_ignored) log->warn("{}", migration.message);
    else if (!migration.message.empty()) log->info("{}", migration.message);
    for (const auto& dir : {config.watch_dir, config.output_dir, config.work_dir, config.state_dir})
      fs::create_directories(dir);
    // Group commit: the scheduler syncs the store before anything acts on it.
    JobStoreOptions store_options;
    store_options.sync_writes = false;
    store = std::make_shared<JobStore>(config.state_db_path(), store_options);
    // The share's id, which every node must find at its own share_root
    // before it gets a job (actors/cluster/share_marker.hpp).
    if (config.cluster.enabled) {
      bool created = false;
      const std::string remembered = store->share_id();
      share_id = open_coordinator_share(config.cluster.share_root, remembered, &created);
      if (remembered.empty()) store->remember_share_id(share_id);
      if (created)
        log->warn("cluster.share_root {}: no share marker there: wrote {} (share id {}): a new share. Later starts "
                  "refuse a share_root without this id (an unmounted share)",
                  config.cluster.share_root.string(), kShareMarkerName, share_id);
      else
        log->info("cluster.share_root {}: share id {}", config.cluster.share_root.string(), share_id);
    }
  } catch (const std::exception& e) {
    log->critical("cannot start: {}", e.what());
    std::cerr << "hyper2kvm: cannot start: " << e.what() << "\n";
    return 1;
  }
  log->info("hyper2kvm daemon starting (pid {}): watch {} -> output {}, state {}", ::getpid(),
            config.watch_dir.string(), config.output_dir.string(), config.state_dir.string());
  if (!config.cluster.enabled || config.cluster.has_role(NodeRole::Converter)) settle_host_accel(config, self_exe, *log);
  log->info("configuration: {}", config.to_json().dump());

  caf::actor_system_config cfg;
  msg::register_messages(cfg);
  // The engine's blocking work runs on the converters' own threads; the
  // actors only pass messages, so a small sharing scheduler is enough and
  // keeps an idle daemon at 0 % CPU.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", 2);
  const ClusterConfig& cluster = config.cluster;  // enabled: this is the cluster's coordinator
  if (cluster.enabled) configure_cluster_network(cfg, cluster);
  caf::actor_system system{cfg};

  const std::int64_t started = unix_now_ms();
  auto stats = system.spawn(stats_actor_fn, config.state_dir, log, started);
  auto notifier = system.spawn(notifier_actor_fn, config.notifications, log);

  SchedulerSettings sched;
  sched.watch_root = config.watch_dir;
  sched.output_root = config.output_dir;
  sched.slots = static_cast<std::size_t>(config.max_concurrent_jobs);
  sched.retry = config.retry_policy;
  sched.enable_deduplication = config.enable_deduplication;
  sched.archive_processed = config.archive_processed;
  sched.started_at_ms = started;
  sched.job_stall_timeout_ms = config.job_stall_timeout.count();
  sched.per_source_limit = config.per_source_limit;
  sched.faults = faults;
  if (cluster.enabled) {
    sched.node = cluster.node_name;
    sched.slots = cluster.has_role(NodeRole::Converter) ? sched.slots : 0;
    if (sched.slots > 0)
      sched.capabilities = host_capabilities(converter_accel(config) == Accel::Kvm, config.conversion.virtio_win_dir);
    sched.node_timeout_ms = cluster.node_timeout.count();
    // After a restart, nodes reconnect within their backoff (at most 5 s)
    // plus a connection attempt; leases they do not claim by then are
    // queued again.
    sched.hold_remote_leases_ms = 3 * cluster.node_timeout.count() + 10'000;
    sched.remote_links_encrypted = cluster.tls.enabled();
    sched.dedup_on_converter = dedup_on_converter(config);
    sched.share_id = share_id;
    // Its own slots, if it converts or exports too, are held to the same
    // check as a node's, read as often (cluster_node.cpp).
    sched.share_root = cluster.share_root;
    sched.share_check_interval_ms = std::clamp<std::int64_t>(cluster.node_timeout.count() / 2,
                                                             cluster.heartbeat_interval.count(), 5000);
  }
  if (faults.armed()) log->warn("fault injection armed (H2K_FAULT): {} for {}", faults.point, faults.job_id);

  ConverterSettings conv = converter_settings(config, self_exe, faults);
  ConverterFactory make_converter = [conv](caf::actor_system& sys, msg::scheduler_actor scheduler) {
    return sys.spawn(converter_actor_fn, scheduler, conv);
  };
  // Export slots (hyperctl convert --vm): this process's exporters.
  sched.export_slots = static_cast<std::size_t>(config.exports.concurrent_exports);
  if (cluster.enabled && !cluster.has_role(NodeRole::Exporter)) sched.export_slots = 0;
  ExporterSettings exp = exporter_settings(config);
  ConverterFactory make_exporter = [exp, log](caf::actor_system& sys, msg::scheduler_actor scheduler) {
    return sys.spawn(exporter_actor_fn, scheduler, exp, log);
  };
  // A notifier with no webhook, e-mail or callback reads no event: the
  // scheduler sends it none (a null handle), instead of two per job.
  const msg::notifier_actor event_reader = config.notifications.reads_job_events() ? notifier : msg::notifier_actor{};
  auto scheduler =
      system.spawn(scheduler_actor_fn, sched, store, log, make_converter, stats, event_reader, make_exporter,
                   ArchiverFactory{});
  {
    // The watcher starts only once the scheduler has recovered the store
    // (a job interrupted mid-archive must be finished before its remaining
    // files could be taken for a new VM): any answer means start-up is over.
    caf::scoped_actor self{system};
    self->request(scheduler, caf::infinite, msg::control_command{"status", "{}"})
        .receive([](msg::control_reply&) {}, [&](caf::error& e) {
          log->critical("scheduler did not start: {}", caf::to_string(e));
        });
  }

  if (cluster.enabled) {
    if (cluster.tls.enabled()) {
      log_tls_refusals(log);
      if (!tls_refusal_log_active())
        log->warn("cluster: refused TLS handshakes will not be logged on this side (SSL_accept is not interposed)");
    }
    try {
      publish_scheduler(system, cluster, scheduler);
    } catch (const std::exception& e) {
      log->critical("cannot start: {}", e.what());
      std::cerr << "hyper2kvm: cannot start: " << e.what() << "\n";
      caf::anon_send(scheduler, msg::shutdown_atom::value);
      caf::anon_send_exit(stats, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(notifier, caf::exit_reason::user_shutdown);
      return 1;
    }
    log->info("coordinator {} listening on {} ({})", cluster.node_name, cluster.listen.to_string(),
              cluster.tls.enabled() ? "mutual TLS" : "plaintext: no cluster.tls");
  }
  const bool run_watcher = !cluster.enabled || cluster.has_role(NodeRole::Watcher);
  WatcherOptions watch = watcher_options(config);
  msg::watcher_actor watcher;
  if (run_watcher) watcher = system.spawn<caf::detached>(watcher_actor_fn, watch, scheduler, log);

  auto control = system.spawn(control_actor_fn, scheduler, stats);
  ControlServerOptions copts;
  copts.socket_path = config.control_socket_path();
  ControlServer server(copts, control_bridge(system, control), [log](const std::string& line) { log->warn("control: {}", line); });
  // A front door (socket, REST API) that cannot open stops the actors already started.
  auto stop_actors = [&] {
    if (watcher) caf::anon_send_exit(watcher, caf::exit_reason::user_shutdown);
    caf::anon_send(scheduler, msg::shutdown_atom::value);
    caf::anon_send_exit(stats, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(notifier, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(control, caf::exit_reason::user_shutdown);
  };
  try {
    server.start();
  } catch (const std::exception& e) {
    log->critical("cannot start the control socket: {}", e.what());
    std::cerr << "hyper2kvm: cannot start: " << e.what() << "\n";
    stop_actors();
    return 1;
  }
  log->info("control socket {}", copts.socket_path.string());
  std::unique_ptr<RestApiServer> rest;
  try {
    rest = start_rest_api(config.api, control_bridge(system, control), log);
  } catch (const std::exception& e) {
    log->critical("cannot start the REST API: {}", e.what());
    std::cerr << "hyper2kvm: cannot start: " << e.what() << "\n";
    server.stop();
    stop_actors();
    return 1;
  }
  notify_systemd("READY=1\nSTATUS=watching " + config.watch_dir.string());

  // Wait for the scheduler to finish (drain/stop), turning SIGTERM/SIGINT
  // into a graceful stop.
  {
    caf::scoped_actor self{system};
    self->monitor(scheduler);
    bool scheduler_done = false;
    bool stop_sent = false;
    while (!scheduler_done) {
      self->receive([&](caf::down_msg&) { scheduler_done = true; },
                    caf::after(std::chrono::milliseconds(250)) >> [] {});
      timespec zero{0, 0};
      int sig = sigtimedwait(&signals, nullptr, &zero);
      if (sig == SIGTERM || sig == SIGINT) {
        if (!stop_sent) {
          log->info("signal {}: stopping (running conversions are interrupted and resume at the next start)",
                    strsignal(sig));
          notify_systemd("STOPPING=1");
          self->send(scheduler, msg::control_command{"stop", "{}"});
          stop_sent = true;
        }
      } else if (sig == SIGHUP) {
        log->info("SIGHUP: nothing to reload (restart to apply a new configuration)");
      }
    }
    notify_systemd("STOPPING=1");
    if (rest) rest->stop();
    server.stop();
    // Last words: stats on disk, queued notifications delivered (bounded).
    self->request(stats, std::chrono::seconds(10), msg::flush_atom::value).receive([](bool) {}, [](caf::error&) {});
    self->request(notifier, std::chrono::seconds(30), msg::flush_atom::value).receive([](bool) {}, [](caf::error&) {});
  }
  if (watcher) caf::anon_send(watcher, msg::shutdown_atom::value);
  caf::anon_send_exit(stats, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(notifier, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(control, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  log->info("hyper2kvm daemon stopped");
  return 0;
}

}  // namespace h2k
