// The built hyperctl against a ControlServer whose handler plays the daemon
// with canned replies (the collaborator of the tool under test, not under
// test itself): human and --json output, what is sent, and the exit codes.
// The cluster verbs (nodes, drain --node, undrain) talk to a LineServer
// instead, which answers whatever arrives without the protocol's table.
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <thread>
#include <type_traits>

#include "control_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

namespace {

json running_job() {
  return {{"id", "j-web01"},
          {"state", "running"},
          {"holder", "conv-a/1"},
          {"node", "conv-a"},
          {"priority", "normal"},
          {"file_type", "ova"},
          {"sources", {"vms/web01.ova"}},
          {"attempts", 1},
          {"created_at", "2026-01-17T20:30:00Z"},
          {"started_at", "2026-01-17T20:30:15Z"},
          {"finished_at", nullptr},
          {"output_path", nullptr},
          {"queue_position", nullptr},
          {"next_attempt_at", nullptr},
          {"last_error", {{"kind", "io"}, {"reason", "read error on vms/web01.ova"}, {"phase", "copy"}}},
          {"progress",
           {{"phase", "copy"},
            {"percent", 45.2},
            {"bytes_done", 1288490188},
            {"bytes_total", 2850000000ull},
            {"rate_bps", 125829120},
            {"eta_s", 65}}}};
}

json queued_job(const std::string& id, const std::string& source, int position, const std::string& priority) {
  return {{"id", id},           {"state", "queued"},  {"holder", nullptr}, {"node", nullptr},
          {"priority", priority},  {"file_type", "vmdk"},
          {"sources", {source}}, {"attempts", 0},      {"created_at", "2026-01-17T20:31:00Z"},
          {"started_at", nullptr}, {"finished_at", nullptr}, {"output_path", nullptr},
          {"queue_position", position}, {"next_attempt_at", nullptr}, {"last_error", nullptr},
          {"progress", nullptr}};
}

// The nodes reply of a coordinator with three converters: one up and busy,
// one down (silent past node_timeout, its lease taken away), one draining.
json cluster_nodes() {
  return json::array({
      {{"name", "coord"}, {"roles", {"coordinator", "watcher"}}, {"host", "(coordinator)"}, {"incarnation", ""},
       {"slots_total", 0}, {"slots_busy", 0}, {"running_jobs", json::array()}, {"jobs_done", 0}, {"jobs_lost", 0},
       {"scratch_free_bytes", 0}, {"accel", ""}, {"health", "up"}, {"down_reason", ""},
       {"last_heartbeat_age_s", 0.0}},
      {{"name", "conv-a"}, {"roles", {"converter"}}, {"host", "10.0.0.11"}, {"incarnation", "3f9c2a71"},
       {"slots_total", 2}, {"slots_busy", 1}, {"running_jobs", {"j-web01"}}, {"jobs_done", 12}, {"jobs_lost", 0},
       {"scratch_free_bytes", 128849018880ull}, {"accel", "kvm"}, {"health", "up"}, {"down_reason", ""},
       {"last_heartbeat_age_s", 0.4}},
      {{"name", "conv-b"}, {"roles", {"converter"}}, {"host", "10.0.0.12"}, {"incarnation", "77d0e5b2"},
       {"slots_total", 0}, {"slots_busy", 0}, {"running_jobs", json::array()}, {"jobs_done", 3}, {"jobs_lost", 1},
       {"scratch_free_bytes", 53687091200ull}, {"accel", "kvm"}, {"health", "down"},
       {"down_reason", "no heartbeat for more than 15000 ms (node_timeout)"}, {"last_heartbeat_age_s", 95.2}},
      {{"name", "conv-c"}, {"roles", {"converter", "watcher"}}, {"host", "10.0.0.13"}, {"incarnation", "c41e08f6"},
       {"slots_total", 1}, {"slots_busy", 1}, {"running_jobs", {"j-db02"}}, {"jobs_done", 7}, {"jobs_lost", 0},
       {"scratch_free_bytes", 10737418240ull}, {"accel", "tcg"}, {"health", "draining"}, {"down_reason", ""},
       {"last_heartbeat_age_s", 1.25}},
  });
}

// A daemon stand-in with fixed answers; records each request it got.
struct FakeDaemon {
  std::mutex mutex;
  std::vector<ControlRequest> seen;
  long long pid = 4242;  // what status reports as the daemon's pid
  // Read on the server's thread (set before hyperctl runs).
  std::atomic<bool> cluster{false};           // status: a coordinator with cluster_nodes(), or a single host
  std::atomic<long long> leases_awaiting{1};  // status in a cluster: leases kept for nodes not back yet
  std::atomic<bool> share_lost{false};        // status in a cluster: the coordinator's own share unusable
  // While held, stats is not answered (a daemon stuck elsewhere) until
  // release_stats(), at the latest after a minute.
  std::mutex gate_mutex;
  std::condition_variable gate;
  bool stats_held = false;

  void release_stats() {
    {
      std::lock_guard<std::mutex> lock(gate_mutex);
      stats_held = false;
    }
    gate.notify_all();
  }

  json answer(const ControlRequest& r) {
    if (r.command == "status") {
      json reply{{"ok", true},  {"status", "running"}, {"pid", pid},       {"uptime_s", 18720},
                 {"queued", 2}, {"running", 1},        {"retry_wait", 0},   {"version", "0.1.0"},
                 {"cluster", cluster.load()}, {"nodes_up", 1}, {"nodes_total", 1}, {"leases_awaiting_nodes", 0}};
      if (cluster) {
        reply["nodes_up"] = 3;  // coord, conv-a and the draining conv-c
        reply["nodes_total"] = 4;
        reply["leases_awaiting_nodes"] = leases_awaiting.load();
        reply["share_problem"] = share_lost ? "/mnt/h2k/.hyper2kvm-share is missing (not mounted?)" : "";
        reply["failures_awaiting_share"] = share_lost ? 2 : 0;
      }
      return reply;
    }
    if (r.command == "nodes") return {{"ok", true}, {"nodes", cluster_nodes()}};
    if (r.command == "drain-node" || r.command == "undrain-node") {
      const std::string node = r.args.value("node", "");
      for (const auto& n : cluster_nodes())
        if (n["name"] == node) return {{"ok", true}, {"node", node}, {"draining", r.command == "drain-node"}};
      return error_reply(r.command + ": no node '" + node + "' (hyperctl nodes lists them)");
    }
    if (r.command == "stats") {
      {
        std::unique_lock<std::mutex> lock(gate_mutex);
        gate.wait_for(lock, std::chrono::minutes(1), [this] { return !stats_held; });
      }
      return {{"ok", true},
              {"stats",
               {{"daemon_start_time", "2026-01-17T08:00:00"},
                {"uptime_hours", 5.2},
                {"total_processed", 42},
                {"total_failed", 1},
                {"total_retried", 2},
                {"success_rate", 97.6},
                {"average_processing_time_seconds", 245.8},
                {"current_queue_depth", 3},
                {"by_file_type", {{"vmdk", {{"processed", 40}, {"failed", 1}, {"avg_time", 240.0}, {"success_rate", 97.5}}}}},
                {"current_jobs", json::object()},
                {"recent_completions", json::array()}}}};
    }
    if (r.command == "list-jobs") {
      const std::string state = r.args.value("state", "");
      if (state == "running") return {{"ok", true}, {"jobs", {running_job()}}};
      if (state == "queued")
        return {{"ok", true},
                {"jobs", {queued_job("j-db02", "vms/db02.vmdk", 2, "normal"),
                          queued_job("j-app03", "vms/app03.vmdk", 1, "high")}}};
      if (state == "retry_wait") return {{"ok", true}, {"jobs", json::array()}};
      return {{"ok", true},
              {"jobs", {running_job(), queued_job("j-app03", "vms/app03.vmdk", 1, "high")}}};
    }
    if (r.command == "job-status") return {{"ok", true}, {"job", running_job()}};
    if (r.command == "queue-job")
      return {{"ok", true}, {"job", queued_job("j-new", r.args["path"], 3, r.args.value("priority", "normal"))}};
    if (r.command == "cancel-job") return error_reply("cancel-job: no job " + r.args["job_id"].get<std::string>());
    if (r.command == "pause") return {{"ok", true}, {"status", "paused"}};
    if (r.command == "drain") return {{"ok", true}, {"status", "draining"}};
    return error_reply(r.command + ": not in this test");
  }
  ControlHandler handler() {
    return [this](const ControlRequest& r) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        seen.push_back(r);
      }
      return answer(r);
    };
  }
  std::vector<ControlRequest> requests() {
    std::lock_guard<std::mutex> lock(mutex);
    return seen;
  }
};

// Serves `handler` on a Unix socket line by line, one client at a time,
// without ControlServer's protocol check: the daemon side of the cluster
// commands is not what these tests are about, only what hyperctl sends
// (recorded by the handler) and how it shows the replies.
class LineServer {
public:
  LineServer(const fs::path& socket, ControlHandler handler) : handler_(std::move(handler)) {
    fs::create_directories(socket.parent_path());
    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_un addr = unix_socket_address(socket);
    BOOST_TEST_REQUIRE(::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_TEST_REQUIRE(::listen(listener_.get(), 4) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~LineServer() {
    stop_ = true;
    thread_.join();
  }

private:
  // No Boost.Test assertions on this thread (Boost.Test is not thread-safe).
  void serve() {
    while (!stop_) {
      pollfd p{listener_.get(), POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client) continue;
      std::string buffer;
      while (!stop_) {
        pollfd c{client.get(), POLLIN, 0};
        if (::poll(&c, 1, 50) <= 0) continue;
        char chunk[4096];
        const ssize_t n = ::recv(client.get(), chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
        for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
          json request = json::parse(buffer.substr(0, nl), nullptr, false);
          buffer.erase(0, nl + 1);
          json reply = error_reply("not a JSON object");
          if (request.is_object()) {
            ControlRequest r{request.value("command", ""), request};
            r.args.erase("command");
            reply = handler_(r);
          }
          const std::string line = reply.dump() + "\n";
          if (::send(client.get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) break;
        }
      }
    }
  }

  ControlHandler handler_;
  UniqueFd listener_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A fake daemon serving on <scratch>/.daemon/control.sock for one test:
// through the real ControlServer (Fixture) or a LineServer (ClusterFixture).
template <typename Server>
struct BasicFixture {
  ScratchDir dir{"hyperctl"};
  FakeDaemon daemon;
  Server server{options_for(control_socket_in(dir)), daemon.handler()};
  BasicFixture() {
    if constexpr (std::is_same_v<Server, ControlServer>) server.start();
  }
  std::string socket() const { return control_socket_in(dir).string(); }
  SubprocessResult hyperctl(std::vector<std::string> args) {
    args.insert(args.begin(), {hyperctl_binary(), "--socket", socket()});
    SubprocessResult r = run_capture(args, std::chrono::seconds(20));
    BOOST_TEST_MESSAGE("hyperctl exit " << r.exit_code << "\nstdout:\n" << r.out << "stderr:\n" << r.err);
    return r;
  }
};

using Fixture = BasicFixture<ControlServer>;

struct ClusterServer : LineServer {
  ClusterServer(const ControlServerOptions& options, ControlHandler handler)
      : LineServer(options.socket_path, std::move(handler)) {}
};
struct ClusterFixture : BasicFixture<ClusterServer> {
  ClusterFixture() { daemon.cluster = true; }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(hyperctl_tool)

BOOST_AUTO_TEST_CASE(status_prints_the_state_and_counts) {
  Fixture f;
  auto r = f.hyperctl({"status"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out.rfind("Status: RUNNING\n", 0) == 0u, r.out);
  BOOST_TEST(contains(r.out, "  PID: 4242\n"));
  BOOST_TEST(contains(r.out, "  Uptime: 5h12m\n"));
  BOOST_TEST(contains(r.out, "  Queued: 2\n"));
  BOOST_TEST(contains(r.out, "  Running: 1\n"));
  BOOST_TEST(!contains(r.out, "Nodes"), "a single host (cluster: false) has no Nodes line");
  BOOST_TEST(r.err.empty());
}

BOOST_AUTO_TEST_CASE(json_prints_the_daemons_reply_verbatim) {
  Fixture f;
  // --json after the command works as well as before it.
  for (const auto& args : {std::vector<std::string>{"--json", "status"}, std::vector<std::string>{"status", "--json"}}) {
    auto r = f.hyperctl(args);
    BOOST_TEST(r.exit_code == 0);
    const std::string expected =
        f.daemon.answer(ControlRequest{"status", json::object()}).dump() + "\n";  // the line the server sent
    BOOST_TEST(r.out == expected);
  }
}

BOOST_AUTO_TEST_CASE(stats_prints_the_seed_layout) {
  Fixture f;
  auto r = f.hyperctl({"stats"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out.rfind("Daemon Statistics:\n"
                         "  Uptime: 5.2 hours\n"
                         "  Processed: 42\n"
                         "  Failed: 1\n"
                         "  Success Rate: 97.6%\n"
                         "  Avg Processing Time: 245.8s\n"
                         "  Queue Depth: 3\n",
                         0) == 0u,
             r.out);
  BOOST_TEST(contains(r.out, "By file type:"));
  BOOST_TEST(contains(r.out, "vmdk  40"));
}

BOOST_AUTO_TEST_CASE(a_refused_request_exits_1_with_the_daemons_error_on_stderr) {
  Fixture f;
  auto r = f.hyperctl({"cancel-job", "j-gone"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(r.err == "hyperctl: cancel-job: no job j-gone\n");
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_CASE(no_daemon_exits_3_naming_the_socket) {
  ScratchDir dir("hyperctl");
  auto r = run_capture({hyperctl_binary(), "--output-dir", dir.path().string(), "status"}, std::chrono::seconds(20));
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(r.err == "hyperctl: cannot connect to " + (dir.path() / ".daemon/control.sock").string() +
                          ": No such file or directory (is the daemon running?)\n");
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_CASE(a_slow_daemon_exits_4_after_the_timeout) {
  // The daemon does not answer until hyperctl is done: hyperctl must give up
  // on its own, after its 0.3 s (not the default 30 s). The bound leaves
  // room for a slow start-up on a busy machine.
  Fixture f;
  f.daemon.stats_held = true;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = f.hyperctl({"--timeout", "0.3", "stats"});
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f.daemon.release_stats();
  BOOST_TEST(r.exit_code == 4);
  BOOST_TEST(contains(r.err, "no reply from " + f.socket() + " within 0.3 s"), r.err);
  BOOST_TEST(took >= 0.3);
  BOOST_TEST(took < 10.0);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_without_contacting_the_daemon) {
  Fixture f;
  BOOST_TEST(f.hyperctl({"queue-job", "/vms/a.ova", "--priority", "urgent"}).exit_code == 2);
  BOOST_TEST(f.hyperctl({"list-jobs", "--limit", "0"}).exit_code == 2);
  BOOST_TEST(f.hyperctl({"frobnicate"}).exit_code == 2);
  BOOST_TEST(f.hyperctl({}).exit_code == 2);
  BOOST_TEST(f.daemon.requests().empty());
  BOOST_TEST(run_capture({hyperctl_binary(), "--help"}).exit_code == 0);
}

BOOST_AUTO_TEST_CASE(queue_job_sends_an_absolute_path_priority_and_name) {
  Fixture f;
  fs::create_directories(f.dir / "vms");
  // Run from <scratch>/vms with a relative path (env -C: coreutils' chdir).
  auto r = run_capture({"env", "-C", (f.dir / "vms").string(), hyperctl_binary(), "--socket", f.socket(), "queue-job",
                        "web01.ova", "--priority", "high", "--name", "web01"},
                       std::chrono::seconds(20));
  BOOST_TEST(r.exit_code == 0, r.err);
  const auto seen = f.daemon.requests();
  BOOST_TEST_REQUIRE(seen.size() == 1u);
  BOOST_TEST(seen[0].command == "queue-job");
  BOOST_TEST(seen[0].args == (json{{"path", (f.dir / "vms" / "web01.ova").string()},
                                   {"priority", "high"},
                                   {"options", {{"name", "web01"}}}}));
  BOOST_TEST(contains(r.out, "Queued job j-new"), r.out);
  BOOST_TEST(contains(r.out, "queue position 3"), r.out);
}

BOOST_AUTO_TEST_CASE(list_jobs_prints_an_aligned_table) {
  Fixture f;
  auto r = f.hyperctl({"list-jobs", "--limit", "10"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(f.daemon.requests().at(0).args == (json{{"limit", 10}}));
  BOOST_TEST(r.out ==
             "ID       STATE    NODE    PRIORITY  TYPE  ATTEMPTS  SOURCE\n"
             "j-web01  running  conv-a  normal    ova   1         vms/web01.ova\n"
             "j-app03  queued   -       high      vmdk  0         vms/app03.vmdk\n");
}

BOOST_AUTO_TEST_CASE(job_status_shows_progress_and_last_error) {
  Fixture f;
  auto r = f.hyperctl({"job-status", "j-web01"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(f.daemon.requests().at(0).args == (json{{"job_id", "j-web01"}}));
  BOOST_TEST(contains(r.out, "Job:"));
  BOOST_TEST(contains(r.out, "j-web01\n"));
  BOOST_TEST(contains(r.out, "Node:"), r.out);
  BOOST_TEST(contains(r.out, "conv-a\n"), r.out);
  BOOST_TEST(contains(r.out, "copy 45.2% (1.2 GiB of 2.7 GiB, 120.0 MiB/s, ETA 1m05s)"), r.out);
  BOOST_TEST(contains(r.out, "io: read error on vms/web01.ova (phase copy)"), r.out);
}

BOOST_AUTO_TEST_CASE(watch_once_renders_progress_bars_and_the_queue) {
  Fixture f;
  auto r = f.hyperctl({"watch", "--once"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(contains(r.out, "hyper2kvm RUNNING  pid 4242"), r.out);
  BOOST_TEST(contains(r.out, "[#########-----------]  45.2%   copy  120.0 MiB/s  ETA 1m05s  web01.ova  (j-web01)"),
             r.out);
  // Queued jobs by position, whatever order the daemon listed them in.
  const auto first = r.out.find("   1  high    app03.vmdk");
  const auto second = r.out.find("   2  normal  db02.vmdk");
  BOOST_TEST(first != std::string::npos);
  BOOST_TEST(second != std::string::npos);
  BOOST_TEST(first < second);
  // Not a terminal: no escape sequences.
  BOOST_TEST(!contains(r.out, "\033["));
  const auto seen = f.daemon.requests();
  BOOST_TEST_REQUIRE(seen.size() == 4u);
  BOOST_TEST(seen[0].command == "status");
  BOOST_TEST(seen[1].args == (json{{"state", "running"}}));
}

BOOST_AUTO_TEST_CASE(watch_refreshes_until_interrupted_and_exits_0) {
  Fixture f;
  std::vector<std::string> argv{hyperctl_binary(), "--socket", f.socket(), "watch", "--interval", "0.2"};
  // `timeout -s INT` delivers Ctrl-C's signal after 1.5 s.
  argv.insert(argv.begin(), {"timeout", "--preserve-status", "-s", "INT", "1.5"});
  auto r = run_capture(argv, std::chrono::seconds(20));
  BOOST_TEST(r.exit_code == 0, r.err);
  std::size_t frames = 0;
  for (std::size_t pos = 0; (pos = r.out.find("hyper2kvm RUNNING", pos)) != std::string::npos; ++pos) ++frames;
  BOOST_TEST(frames >= 3u, frames << " snapshots in 1.5 s at 0.2 s intervals");
}

BOOST_AUTO_TEST_CASE(drain_wait_returns_once_the_socket_is_gone_and_the_process_has_exited) {
  // The "daemon process": a child that lives until the test kills it, reaped
  // the moment it exits (a zombie would still count as existing). Each step
  // waits for the event it needs, not for a fixed time: a busy machine can
  // take more than a second just to start hyperctl.
  pid_t child = 0;
  char sleep_name[] = "sleep";
  char long_time[] = "600";
  char* child_argv[] = {sleep_name, long_time, nullptr};
  BOOST_TEST_REQUIRE(::posix_spawnp(&child, "sleep", nullptr, nullptr, child_argv, environ) == 0);
  std::thread reaper([child] { ::waitpid(child, nullptr, 0); });

  auto f = std::make_unique<Fixture>();
  f->daemon.pid = child;
  SubprocessResult r;
  std::atomic<bool> returned{false};
  std::thread tool([&] {
    r = run_capture({hyperctl_binary(), "--socket", f->socket(), "drain", "--wait"}, std::chrono::seconds(60));
    returned = true;
  });
  // The daemon answers drain and status polls, then closes its socket while
  // its process lives on (it is still saving its state). A second poll means
  // hyperctl has read the first reply (it asks one thing at a time).
  auto polled = [&] {
    const auto seen = f->daemon.requests();
    return seen.size() >= 3 && seen[0].command == "drain" && seen[1].command == "status" &&
           seen[2].command == "status";
  };
  for (int i = 0; i < 600 && !polled(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const bool was_polled = polled();
  f->server.stop();
  // hyperctl polls every second: by now it has found the socket gone, and
  // must keep waiting for the process.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const bool returned_while_alive = returned;
  ::kill(child, SIGKILL);
  tool.join();
  reaper.join();
  BOOST_TEST_MESSAGE("drain --wait output:\n" << r.out << r.err);
  BOOST_TEST_REQUIRE(was_polled, "hyperctl sent no drain and two status polls within 30 s");
  BOOST_TEST(!returned_while_alive, "drain --wait returned while the daemon process still existed");
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out.rfind("Status: DRAINING\nDraining: 1 running, 2 queued\n", 0) == 0u, r.out);
  BOOST_TEST(contains(r.out, "Daemon stopped.\n"));
}

BOOST_AUTO_TEST_CASE(nodes_prints_slots_heartbeat_and_health_per_node) {
  ClusterFixture f;
  auto r = f.hyperctl({"nodes"});
  BOOST_TEST(r.exit_code == 0, r.err);
  const auto seen = f.daemon.requests();
  BOOST_TEST_REQUIRE(seen.size() == 1u);
  BOOST_TEST(seen[0].command == "nodes");
  BOOST_TEST(seen[0].args == json::object());
  // The coordinator's own entry has no heartbeat and no accel; a down node
  // says why; ages under a minute to a tenth of a second, longer ones as durations.
  BOOST_TEST(r.out ==
             "NAME    ROLES                HOST           SLOTS  DONE  LOST  HEARTBEAT  ACCEL  HEALTH\n"
             "coord   coordinator,watcher  (coordinator)  0/0    0     0     -          -      up\n"
             "conv-a  converter            10.0.0.11      1/2    12    0     0.4s ago   kvm    up\n"
             "conv-b  converter            10.0.0.12      0/0    3     1     1m35s ago  kvm    "
             "down (no heartbeat for more than 15000 ms (node_timeout))\n"
             "conv-c  converter,watcher    10.0.0.13      1/1    7     0     1.2s ago   tcg    draining\n");
  BOOST_TEST(r.err.empty());
}

BOOST_AUTO_TEST_CASE(nodes_json_prints_the_daemons_reply_verbatim) {
  ClusterFixture f;
  auto r = f.hyperctl({"nodes", "--json"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out == f.daemon.answer(ControlRequest{"nodes", json::object()}).dump() + "\n");
}

BOOST_AUTO_TEST_CASE(status_in_a_cluster_counts_the_nodes_up_and_the_leases_awaiting_theirs) {
  ClusterFixture f;
  auto r = f.hyperctl({"status"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out.rfind("Status: RUNNING\n", 0) == 0u, r.out);
  BOOST_TEST(contains(r.out, "  Nodes: 3 of 4 up; 1 lease(s) awaiting their nodes\n"), r.out);
  f.daemon.leases_awaiting = 0;
  r = f.hyperctl({"status"});
  BOOST_TEST(contains(r.out, "  Nodes: 3 of 4 up\n"), r.out);
  BOOST_TEST(!contains(r.out, "Share"), r.out);
  // The coordinator's own share gone: said, with what waits on it.
  f.daemon.share_lost = true;
  r = f.hyperctl({"status"});
  BOOST_TEST(contains(r.out, "  Share: UNUSABLE: /mnt/h2k/.hyper2kvm-share is missing (not mounted?); 2 failed "
                             "job(s)' files waiting\n"),
             r.out);
}

BOOST_AUTO_TEST_CASE(status_node_prints_that_nodes_entry) {
  ClusterFixture f;
  auto r = f.hyperctl({"status", "--node", "conv-b"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(f.daemon.requests().at(0).command == "nodes");
  BOOST_TEST(r.out ==
             "Node: conv-b\n"
             "  Health: down (no heartbeat for more than 15000 ms (node_timeout))\n"
             "  Roles: converter\n"
             "  Host: 10.0.0.12\n"
             "  Incarnation: 77d0e5b2\n"
             "  Slots: 0 of 0 busy\n"
             "  Running jobs: -\n"
             "  Jobs done: 3\n"
             "  Jobs lost: 1\n"
             "  Scratch free: 50.0 GiB\n"
             "  Accel: kvm\n"
             "  Last heartbeat: 1m35s ago\n");

  r = f.hyperctl({"status", "--node", "conv-c"});
  BOOST_TEST(contains(r.out, "  Health: draining\n"), r.out);
  BOOST_TEST(contains(r.out, "  Slots: 1 of 1 busy\n"), r.out);
  BOOST_TEST(contains(r.out, "  Running jobs: j-db02\n"), r.out);

  r = f.hyperctl({"status", "--node", "coord"});
  BOOST_TEST(contains(r.out, "  Host: (coordinator)\n"), r.out);
  BOOST_TEST(contains(r.out, "  Incarnation: -\n"), r.out);
  BOOST_TEST(contains(r.out, "  Last heartbeat: -\n"), r.out);

  // --json: the node's object, as the daemon listed it.
  r = f.hyperctl({"--json", "status", "--node", "conv-a"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(json::parse(r.out) == cluster_nodes()[1]);
  BOOST_TEST(r.out.find('\n') == r.out.size() - 1, "one line");
}

BOOST_AUTO_TEST_CASE(status_node_of_an_unknown_node_exits_1_naming_it_and_the_known_ones) {
  ClusterFixture f;
  for (const auto& args : {std::vector<std::string>{"status", "--node", "conv-z"},
                           std::vector<std::string>{"status", "--node", "conv-z", "--json"}}) {
    auto r = f.hyperctl(args);
    BOOST_TEST(r.exit_code == 1);
    BOOST_TEST(r.err == "hyperctl: no node 'conv-z' (known: coord, conv-a, conv-b, conv-c)\n");
    BOOST_TEST(r.out.empty());
  }
}

BOOST_AUTO_TEST_CASE(drain_node_and_undrain_node_send_the_node_and_leave_the_daemon_alone) {
  ClusterFixture f;
  auto r = f.hyperctl({"drain", "--node", "conv-c"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "Node conv-c is draining: it finishes its running jobs and gets no new ones\n");
  r = f.hyperctl({"undrain", "--node", "conv-c"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "Node conv-c takes new jobs again\n");
  r = f.hyperctl({"--json", "drain", "--node", "conv-a"});
  BOOST_TEST(r.out == "{\"draining\":true,\"node\":\"conv-a\",\"ok\":true}\n");
  // drain without --node still drains the whole daemon.
  r = f.hyperctl({"drain"});
  BOOST_TEST(r.out == "Status: DRAINING\n");

  const auto seen = f.daemon.requests();
  BOOST_TEST_REQUIRE(seen.size() == 4u);
  BOOST_TEST(seen[0].command == "drain-node");
  BOOST_TEST(seen[0].args == (json{{"node", "conv-c"}}));
  BOOST_TEST(seen[1].command == "undrain-node");
  BOOST_TEST(seen[1].args == (json{{"node", "conv-c"}}));
  BOOST_TEST(seen[2].command == "drain-node");
  BOOST_TEST(seen[3].command == "drain");
  BOOST_TEST(seen[3].args == json::object());
}

BOOST_AUTO_TEST_CASE(drain_node_of_an_unknown_node_exits_1_with_the_daemons_error) {
  ClusterFixture f;
  auto r = f.hyperctl({"drain", "--node", "conv-z"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(r.err == "hyperctl: drain-node: no node 'conv-z' (hyperctl nodes lists them)\n");
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_CASE(drain_node_with_wait_and_undrain_without_a_node_are_usage_errors) {
  ClusterFixture f;
  for (const auto& args : {std::vector<std::string>{"drain", "--node", "conv-a", "--wait"},
                           std::vector<std::string>{"drain", "--wait", "--node", "conv-a"}}) {
    auto r = f.hyperctl(args);
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(contains(r.err, "--node and --wait cannot be combined"), r.err);
  }
  BOOST_TEST(f.hyperctl({"undrain"}).exit_code == 2);
  BOOST_TEST(f.hyperctl({"status", "--node"}).exit_code == 2);
  BOOST_TEST(f.daemon.requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()
