// hyperctl: controls a running hyper2kvm daemon over its control socket
// (<state_dir>/control.sock; protocol in actors/control_protocol/control_protocol.hpp).
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tools/hyperctl/commands.hpp"
#include "tools/hyperctl/control_client.hpp"
#include "tools/hyperctl/convert_command.hpp"
#include "tools/hyperctl/exit_codes.hpp"
#include "tools/hyperctl/render.hpp"
#include "tools/hyperctl/vms_command.hpp"
#include "tools/hyperctl/watch_view.hpp"

namespace {

using json = nlohmann::json;
using namespace h2k::hyperctl;

// The daemon's default state_dir (daemon.yaml `state_dir`); H2K_STATE_DIR
// overrides it for a shell that talks to a daemon configured elsewhere.
std::string default_state_dir() {
  const char* env = std::getenv("H2K_STATE_DIR");
  return env && *env ? env : "/var/lib/hyper2kvm/state";
}

struct Cli {
  std::string state_dir = default_state_dir();
  std::string output_dir;  // deprecated: where state lived before state_dir
  std::string socket;
  std::string server;      // --server URL: the REST API instead of the socket
  std::string token_file;  // --token-file / HYPERCTL_TOKEN_FILE: the API's bearer token
  bool json = false;
  double timeout_s = 30;
  bool prometheus = false;
  bool drain_wait = false;
  std::string path;
  std::string priority;
  std::string name;
  std::string state;
  std::optional<int> limit;
  std::string job_id;
  std::string node;  // status/drain/undrain --node
  WatchOptions watch;
};

std::filesystem::path socket_path(const Cli& c) {
  namespace fs = std::filesystem;
  if (!c.socket.empty()) return c.socket;
  const fs::path in_state_dir = fs::path(c.state_dir) / "control.sock";
  if (c.output_dir.empty()) return in_state_dir;
  // --output-dir (deprecated): a daemon of the previous version listens in
  // DIR/.daemon; a current one moved its state (and socket) to state_dir.
  const fs::path legacy = fs::path(c.output_dir) / ".daemon" / "control.sock";
  std::error_code ec;
  if (fs::exists(legacy, ec) || !fs::exists(in_state_dir, ec)) return legacy;
  std::cerr << "hyperctl: note: no " << legacy.string() << "; using " << in_state_dir.string()
            << " (--output-dir is deprecated: use --state-dir)\n";
  return in_state_dir;
}

json with_job_id(const char* command, const Cli& c) { return {{"command", command}, {"job_id", c.job_id}}; }

}  // namespace

int main(int argc, char** argv) {
  Cli c;
  CLI::App app{"hyperctl: control a running hyper2kvm daemon (status, statistics, pause/resume/drain/stop, jobs, "
                "cluster nodes)"};
  app.set_version_flag("--version", "hyperctl 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the command: `hyperctl status --json`
  auto* state_dir = app.add_option("-d,--state-dir", c.state_dir,
                                   "The daemon's state_dir (daemon.yaml); its control socket is DIR/control.sock "
                                   "(default: $H2K_STATE_DIR, else /var/lib/hyper2kvm/state)")
                        ->capture_default_str();
  auto* output_dir = app.add_option("-o,--output-dir", c.output_dir,
                                    "Deprecated: the socket of a daemon that keeps its state in DIR/.daemon "
                                    "(before state_dir); if there is none there, the one in --state-dir's default")
                         ->excludes(state_dir);
  app.add_option("-s,--socket", c.socket, "Control socket path (instead of --state-dir)")
      ->excludes(state_dir)
      ->excludes(output_dir);
  app.add_option("--server", c.server,
                 "The daemon's REST API (e.g. http://127.0.0.1:8080): every command goes to URL/control "
                 "instead of the control socket")
      ->excludes(state_dir)
      ->excludes(output_dir);
  app.add_option("--token-file", c.token_file, "File holding the REST API's bearer token (with --server)")
      ->envname("HYPERCTL_TOKEN_FILE");
  app.add_flag("--json", c.json, "Print the daemon's reply as it is (one JSON object per line) instead of text");
  app.add_option("-t,--timeout", c.timeout_s, "Seconds to wait for each reply")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  app.footer(
      "Exit codes: 0 ok; 1 the daemon refused the request (its error is printed on stderr); 2 usage error; "
      "3 cannot reach the daemon (no socket, nobody listening, connection lost); 4 no reply within --timeout.\n"
      "Run `hyperctl COMMAND --help` for the options of a command.");

  auto* status = app.add_subcommand(
      "status", "Daemon state (running, paused, draining, stopping), pid, uptime, job counts; in a cluster also "
                "how many nodes are up");
  auto* status_node = status->add_option("--node", c.node,
                                         "Show this node of the cluster instead (an entry of `hyperctl nodes`, "
                                         "with its running jobs and free scratch space)");
  auto* stats = app.add_subcommand("stats", "Statistics: totals, success rate, times, by file type, current jobs");
  stats->add_flag("--prometheus", c.prometheus, "Prometheus text exposition format instead");
  auto* pause = app.add_subcommand("pause", "Start no new jobs (running jobs continue; new files are still queued)");
  auto* resume = app.add_subcommand("resume", "Start jobs again after pause");
  auto* drain = app.add_subcommand(
      "drain", "Finish running jobs, start no new ones, then exit; with --node NAME only that node of a cluster "
               "stops taking jobs");
  auto* drain_wait =
      drain->add_flag("--wait", c.drain_wait, "Wait until the daemon has exited (polls status every second)");
  auto* drain_node = drain->add_option(
      "--node", c.node,
      "Drain only this node (see `hyperctl nodes`): it finishes its running jobs and gets no new ones, the daemon "
      "and the other nodes go on; `hyperctl undrain --node NAME` undoes it. Not with --wait");
  drain->footer(
      "`drain` alone ends the daemon; `drain --node NAME` only takes one node out of the rotation (its HEALTH "
      "turns draining in `hyperctl nodes`) and returns at once: watch its SLOTS fall to 0/N there.");
  auto* undrain = app.add_subcommand(
      "undrain", "Let a node drained with `drain --node` take new jobs again (cluster; `resume` is for `pause`)");
  undrain->add_option("--node", c.node, "The node (see `hyperctl nodes`)")->required();
  auto* stop = app.add_subcommand("stop", "Stop now: cancel running jobs (they are retried after a restart) and exit");

  auto* queue_job = app.add_subcommand("queue-job", "Queue a VM file for conversion");
  queue_job->add_option("path", c.path, "VM file (.ova, .ovf, .vmx, .vmdk, .vhd, .vhdx, raw, qcow2); made absolute")
      ->required();
  queue_job->add_option("-p,--priority", c.priority, "low, normal or high (default: the daemon's, normal)")
      ->check(CLI::IsMember({"low", "normal", "high"}));
  queue_job->add_option("-n,--name", c.name, "VM name (default: from the OVF/VMX, else the file name)");

  auto* list_jobs = app.add_subcommand(
      "list-jobs", "Table of jobs: ID STATE NODE PRIORITY TYPE ATTEMPTS SOURCE (NODE: where a running job runs)");
  list_jobs->add_option("--state", c.state, "Only jobs in this state")
      ->check(CLI::IsMember({"queued", "running", "retry_wait", "done", "failed", "cancelled"}));
  list_jobs->add_option("--limit", c.limit, "At most N jobs (1..10000)")->check(CLI::Range(1, 10000));

  auto* job_status = app.add_subcommand("job-status", "Everything about one job, incl. progress and last error");
  job_status->add_option("id", c.job_id, "Job id (see list-jobs)")->required();
  auto* cancel_job = app.add_subcommand("cancel-job", "Cancel a queued, waiting or running job");
  cancel_job->add_option("id", c.job_id, "Job id")->required();
  auto* set_priority = app.add_subcommand("set-priority", "Change the priority of a queued job");
  set_priority->add_option("id", c.job_id, "Job id")->required();
  set_priority->add_option("priority", c.priority, "low, normal or high")
      ->required()
      ->check(CLI::IsMember({"low", "normal", "high"}));
  auto* retry_job = app.add_subcommand("retry-job", "Queue a failed or cancelled job again");
  retry_job->add_option("id", c.job_id, "Job id")->required();

  auto* nodes = app.add_subcommand(
      "nodes", "The daemon's nodes: NAME ROLES HOST SLOTS DONE LOST HEARTBEAT ACCEL HEALTH");
  nodes->footer(
      "One row per node; without a cluster the daemon itself, host (coordinator).\n"
      "  SLOTS      conversion slots busy/total\n"
      "  DONE/LOST  jobs finished there / leases taken away when it died or went silent\n"
      "  HEARTBEAT  when the coordinator last heard from it (- for the coordinator itself)\n"
      "  ACCEL      kvm or tcg (converters)\n"
      "  HEALTH     up; draining (finishes its jobs, gets no new ones: `drain --node`); down (why)\n"
      "`hyperctl status --node NAME` shows one node with its running jobs and free scratch space.");

  auto* watch = app.add_subcommand(
      "watch", "Live view: daemon state, running jobs with progress bars, queued jobs; Ctrl-C to leave");
  watch->add_option("-i,--interval", c.watch.interval_s, "Seconds between refreshes")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  watch->add_flag("--once", c.watch.once, "Print one snapshot and exit");

  VmsCommand vms;
  add_vms_command(app, vms);
  ConvertCommand convert;
  add_convert_command(app, convert);
  LogsCommand logs;
  add_logs_command(app, logs);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? exit_code::kOk : exit_code::kUsage;
  }
  if (drain_node->count() > 0 && drain_wait->count() > 0) {
    std::cerr << "hyperctl: drain: --node and --wait cannot be combined: --wait waits for the daemon to exit, and "
                 "draining one node does not stop the daemon (`hyperctl nodes` shows the node's jobs winding down)\n";
    return exit_code::kUsage;
  }

  if (*vms.vms) return run_vms_command(vms, c.json);

  const std::chrono::milliseconds timeout(static_cast<long long>(std::ceil(c.timeout_s * 1000)));
  HttpServer server{c.server, ""};
  if (!c.server.empty() && !c.token_file.empty()) {
    try {
      server.token = read_token_file(c.token_file);
    } catch (const std::exception& e) {
      std::cerr << "hyperctl: " << e.what() << "\n";
      return exit_code::kUsage;
    }
  }
  ControlClient client = c.server.empty() ? ControlClient(socket_path(c), timeout) : ControlClient(server, timeout);
  try {
    if (*status) {
      if (status_node->count() > 0) return run_node_status(client, c.json, c.node);
      return run_request(client, c.json, {{"command", "status"}}, render_status);
    }
    if (*nodes) return run_request(client, c.json, {{"command", "nodes"}}, render_node_table);
    if (*stats) {
      if (!c.prometheus) return run_request(client, c.json, {{"command", "stats"}}, render_stats);
      return run_request(client, c.json, {{"command", "stats"}, {"format", "prometheus"}}, [](const json& reply) {
        auto it = reply.find("metrics");
        return it != reply.end() && it->is_string() ? it->get<std::string>() : std::string();
      });
    }
    if (*pause) return run_request(client, c.json, {{"command", "pause"}}, render_daemon_state);
    if (*resume) return run_request(client, c.json, {{"command", "resume"}}, render_daemon_state);
    if (*drain) {
      if (drain_node->count() > 0)
        return run_request(client, c.json, {{"command", "drain-node"}, {"node", c.node}}, render_node_action);
      return run_drain(client, c.json, c.drain_wait);
    }
    if (*undrain)
      return run_request(client, c.json, {{"command", "undrain-node"}, {"node", c.node}}, render_node_action);
    if (*stop) return run_request(client, c.json, {{"command", "stop"}}, render_daemon_state);
    if (*queue_job) {
      // The daemon resolves nothing against our working directory.
      json request{{"command", "queue-job"}, {"path", std::filesystem::absolute(c.path).lexically_normal().string()}};
      if (!c.priority.empty()) request["priority"] = c.priority;
      if (!c.name.empty()) request["options"] = {{"name", c.name}};
      return run_request(client, c.json, request,
                         [](const json& reply) { return render_job_action("queue-job", reply.value("job", json())); });
    }
    if (*list_jobs) {
      json request{{"command", "list-jobs"}};
      if (!c.state.empty()) request["state"] = c.state;
      if (c.limit) request["limit"] = *c.limit;
      return run_request(client, c.json, request, render_job_table);
    }
    if (*job_status)
      return run_request(client, c.json, with_job_id("job-status", c),
                         [](const json& reply) { return render_job_detail(reply.value("job", json())); });
    if (*cancel_job || *retry_job) {
      const char* command = *cancel_job ? "cancel-job" : "retry-job";
      return run_request(client, c.json, with_job_id(command, c), [command](const json& reply) {
        return render_job_action(command, reply.value("job", json()));
      });
    }
    if (*set_priority) {
      json request = with_job_id("set-priority", c);
      request["priority"] = c.priority;
      return run_request(client, c.json, request, [](const json& reply) {
        return render_job_action("set-priority", reply.value("job", json()));
      });
    }
    if (*convert.convert) return run_convert_command(client, convert.options, c.json, c.server);
    if (*logs.logs) return run_logs_command(client, logs, c.json);
    if (*watch) {
      WatchOptions options = c.watch;
      options.json = c.json;
      return run_watch(client, options);
    }
  } catch (const ControlClientError& e) {
    std::cerr << "hyperctl: " << e.what() << "\n";
    return e.kind() == ControlClientError::Kind::timeout ? exit_code::kTimeout : exit_code::kUnreachable;
  }
  return exit_code::kUsage;
}
