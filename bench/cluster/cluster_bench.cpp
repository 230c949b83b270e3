// Cluster-mode benchmarks of the coordinator's own machinery, all on
// 127.0.0.1: the real scheduler actor over a RocksDB JobStore, published
// over CAF's middleman, and cluster nodes that are real
// coordinator_link_actors whose job slots convert nothing
// (bench/cluster/link_noop_slot.hpp: the full lease protocol, no engine).
// One binary; the first argument is the role. The three scenario roles
// start the others as child processes (this same executable) and measure:
//
//   cluster_bench dispatch  --dir D [--jobs 50000] [--nodes 200] [--procs 4] [--slots 2]
//                           [--archive 1] [--stats 1] [--idle-ms 10000]
//       N jobs through P node processes hosting together M simulated nodes:
//       jobs/s, coordinator CPU and peak RSS, per-slot turnaround p50/p99;
//       first the coordinator's CPU over idle-ms with every node heartbeating.
//       --archive 0 turns off archiving of the jobs' sources (on in the
//       daemon by default) to show what that step costs; --stats 0 runs
//       the coordinator without its stats actor.
//   cluster_bench dead-node --dir D [--jobs 100000] [--nodes 200] [--procs 4] [--slots 2]
//                           [--hold-ms 2000] [--kill-after-ms 5000] [--no-freeze]
//       half of each process's nodes hold every job hold-ms; kill -9 one node
//       process mid-run: kill -> last of its jobs re-assigned on another
//       node; then SIGSTOP another one (frozen, only node_timeout finds it).
//   cluster_bench failover  --dir D [--running 50] [--queued 10000] [--hold-ms 2000]
//                           [--restart-delay-ms 1000]
//       R jobs running on slow slots, Q queued: kill -9 the coordinator,
//       start it again over the same store: restart -> first new assignment.
//
// Internal roles (started by the above):
//   cluster_bench coord --dir D --port P [--jobs N] [--expect-nodes K] ...
//   cluster_bench nodes --dir D --port P --name PREFIX --count K --slots S [--share COORD-DIR]
//                       [--slow-nodes M --hold-ms H] [--events F] [--samples F]
//
// A missed goal is a result (exit 0); exit 1 means a scenario could not run.
// Timestamps are CLOCK_MONOTONIC (steady_clock) nanoseconds, which every
// process on the machine shares, so a kill in one process and an arrival in
// another compare directly. Scenario roles print "RESULT key value" lines
// for bench/cluster.sh.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "actors/cluster/coordinator_link_actor.hpp"
#include "actors/cluster/share_marker.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/stats/stats_actor.hpp"
#include "bench/cluster/link_noop_slot.hpp"
#include "messages/register_messages.hpp"
#include "storage/job_store.hpp"

namespace fs = std::filesystem;
using namespace h2k;
using namespace std::chrono_literals;
using bench::mono_ns;

namespace {

// ---------------------------------------------------------------- common

struct Args {
  std::map<std::string, std::string> kv;
  std::set<std::string> flags;
  Args(int argc, char** argv, int from) {
    for (int i = from; i < argc; ++i) {
      std::string k = argv[i];
      if (k.rfind("--", 0) != 0) throw std::runtime_error("unexpected argument " + k);
      if (k.rfind("--no-", 0) == 0) flags.insert(k);
      else if (i + 1 < argc) kv[k] = argv[++i];
      else throw std::runtime_error(k + " needs a value");
    }
  }
  std::string str(const std::string& k, const std::string& def = "") const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  long num(const std::string& k, long def) const {
    auto it = kv.find(k);
    return it == kv.end() ? def : std::stol(it->second);
  }
  bool has(const std::string& flag) const { return flags.count(flag) > 0; }
};

double secs(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// utime + stime of a process, seconds (/proc/<pid>/stat fields 14 and 15).
double proc_cpu_s(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(all.substr(close + 2));
  std::vector<std::string> f;
  for (std::string t; rest >> t;) f.push_back(t);
  if (f.size() < 13) return -1;  // f[0] is field 3 (state)
  return static_cast<double>(std::stoull(f[11]) + std::stoull(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// VmHWM (peak RSS) of a process, KiB.
long proc_hwm_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Every process: message types, the middleman with heartbeats (so a frozen
// peer is noticed), the cluster's app identifier, deserialization on the
// network thread (middleman.workers 0); as
// nodes/hyper2kvm/cluster_network.cpp configures it, without TLS.
void configure(caf::actor_system_config& cfg, std::chrono::milliseconds heartbeat,
               std::chrono::milliseconds node_timeout) {
  msg::register_messages(cfg);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", 2);
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", caf::timespan{heartbeat});
  cfg.set("middleman.connection-timeout", caf::timespan{node_timeout});
  cfg.set("middleman.app-identifier", "hyper2kvm-cluster-1");
  cfg.set("middleman.workers", std::size_t{0});
}

// Log lines with the monotonic timestamp, to a file descriptor (O_APPEND:
// one write per line, so lines of a process killed mid-run are whole).
class mono_fd_sink : public spdlog::sinks::base_sink<std::mutex> {
public:
  explicit mono_fd_sink(int fd) : fd_(fd) {}

protected:
  void sink_it_(const spdlog::details::log_msg& m) override {
    std::string line = "L " + std::to_string(mono_ns()) + " " +
                       std::string(spdlog::level::to_string_view(m.level).data(),
                                   spdlog::level::to_string_view(m.level).size()) +
                       " " + std::string(m.payload.data(), m.payload.size()) + "\n";
    if (fd_ >= 0) [[maybe_unused]] auto n = ::write(fd_, line.data(), line.size());
  }
  void flush_() override {}

private:
  int fd_;
};

int open_append(const fs::path& p) { return ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644); }

// Messages are formatted from `level` up (the daemon logs at info, so its
// per-job lines cost what they cost there); the file gets `file_level` up.
std::shared_ptr<spdlog::logger> fd_logger(const std::string& name, int fd, spdlog::level::level_enum level,
                                          spdlog::level::level_enum file_level) {
  spdlog::sink_ptr sink;
  if (fd < 0) sink = std::make_shared<spdlog::sinks::null_sink_mt>();
  else sink = std::make_shared<mono_fd_sink>(fd);
  sink->set_level(file_level);
  auto log = std::make_shared<spdlog::logger>(name, sink);
  log->set_level(level);
  return log;
}

void block_stop_signals(sigset_t& set) {
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

// ---------------------------------------------------------------- coord

void emit(const std::string& key, const std::string& value) {
  std::printf("%s=%s\n", key.c_str(), value.c_str());
  std::fflush(stdout);
}
void emit(const std::string& key, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", value);
  emit(key, std::string(buf));
}
void emit_ns(const std::string& key, std::int64_t ns) { emit(key, std::to_string(ns)); }

msg::control_reply control(caf::actor_system& sys, const msg::scheduler_actor& s, const std::string& cmd) {
  caf::scoped_actor self{sys};
  msg::control_reply out{false, "{}"};
  self->request(s, std::chrono::seconds(600), msg::control_command{cmd, "{}"})
      .receive([&](msg::control_reply& r) { out = std::move(r); }, [](caf::error&) {});
  return out;
}

// As the daemon opens its store: group commit, one fsync per burst.
JobStoreOptions group_commit() {
  JobStoreOptions o;
  o.sync_writes = false;
  return o;
}

// The coordinator: the real scheduler actor (slots = 0: it converts
// nothing) over the RocksDB store, published on 127.0.0.1:port. With
// --jobs N it enqueues N jobs first (paused), as daemon_bench scale does:
// one empty file per job in the queue folder and a vm_found per file. With
// --expect-nodes K it stays paused until K nodes are up, then resumes and
// times the dispatch of every job. It runs until SIGTERM (or kill -9).
int coord(const Args& a) {
  sigset_t stop;
  block_stop_signals(stop);
  const fs::path dir = a.str("--dir");
  const int port = static_cast<int>(a.num("--port", 0));
  const long jobs = a.num("--jobs", 0);
  const long expect_nodes = a.num("--expect-nodes", 0);
  const auto node_timeout = std::chrono::milliseconds(a.num("--node-timeout-ms", 2000));
  const auto heartbeat = std::chrono::milliseconds(a.num("--heartbeat-ms", 500));
  const fs::path queue = dir / "queue", output = dir / "output", db = dir / "state" / "state.rocksdb";
  fs::create_directories(queue);
  fs::create_directories(output);
  const std::int64_t t_start = mono_ns();
  auto store = std::make_shared<JobStore>(db, group_commit());
  emit("store_open_s", secs(mono_ns() - t_start));

  caf::actor_system_config cfg;
  configure(cfg, heartbeat, node_timeout);
  caf::actor_system sys{cfg};
  // Warnings and errors (node lost, stale reports) with their times; info
  // lines are formatted and dropped (as daemon_bench's null sink does).
  const int log_fd = open_append(dir / "coord.log");
  auto log = fd_logger("coord", log_fd, spdlog::level::info, spdlog::level::warn);

  SchedulerSettings s;
  s.watch_root = queue;
  s.output_root = output;
  s.slots = 0;  // the coordinator converts nothing
  s.enable_deduplication = true;
  s.archive_processed = a.num("--archive", 1) != 0;  // the daemon's default: on
  s.node = "coord";
  // The coordinator's folder stands in for the share: the nodes read its
  // marker every heartbeat, as the daemon's do (--share).
  s.share_id = ensure_share_marker(dir);
  s.node_timeout_ms = node_timeout.count();
  s.hold_remote_leases_ms = 3 * node_timeout.count() + 10'000;  // as the daemon
  s.started_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  ConverterFactory none = [](caf::actor_system&, msg::scheduler_actor) { return msg::converter_actor{}; };
  // The daemon's coordinator feeds a stats actor (stats.json, metrics): part
  // of what dispatch costs it. Its notifier, with no webhook, e-mail or
  // callback configured (the default), is sent no event, so it is left out
  // here as the daemon leaves it out. --stats 0 leaves the stats out too.
  msg::stats_actor stats;
  msg::notifier_actor notifier;
  if (a.num("--stats", 1) != 0) stats = sys.spawn(stats_actor_fn, dir / "state", log, s.started_at_ms);
  auto scheduler = sys.spawn(scheduler_actor_fn, s, store, log, none, stats, notifier, ConverterFactory{},
                             ArchiverFactory{});
  control(sys, scheduler, "status");  // answered once start-up (recovery) is over
  emit("recovered_s", secs(mono_ns() - t_start));

  const bool paused = jobs > 0;
  if (paused) {
    control(sys, scheduler, "pause");
    for (long i = 0; i < jobs; ++i) std::ofstream(queue / ("vm" + std::to_string(i) + ".ova"));
    const std::int64_t t0 = mono_ns();
    for (long i = 0; i < jobs; ++i) {
      msg::vm_found vm;
      vm.sources = {"vm" + std::to_string(i) + ".ova"};
      vm.file_type = "ova";
      vm.total_bytes = 1u << 30;
      vm.dedup_key = "name_size:vm" + std::to_string(i) + ".ova:1073741824";
      caf::anon_send(scheduler, std::move(vm));
    }
    while (store->counters().by_state.queued < static_cast<std::size_t>(jobs)) std::this_thread::sleep_for(20ms);
    emit("enqueue_s", secs(mono_ns() - t0));
  }
  auto bound = sys.middleman().publish(scheduler, static_cast<std::uint16_t>(port), "127.0.0.1", true);
  if (!bound) {
    std::fprintf(stderr, "coord: cannot listen on 127.0.0.1:%d: %s\n", port, sys.render(bound.error()).c_str());
    std::_Exit(1);
  }
  emit_ns("listening_ns", mono_ns());

  if (expect_nodes > 0) {
    for (;;) {
      auto r = nlohmann::json::parse(control(sys, scheduler, "status").body_json, nullptr, false);
      if (!r.is_discarded() && r.value("nodes_up", 0L) >= expect_nodes) break;
      std::this_thread::sleep_for(50ms);
    }
    emit_ns("joined_ns", mono_ns());
    // The cost of an idle cluster: heartbeats (node_status) only.
    // (CLOCK_PROCESS_CPUTIME_ID: /proc's 10 ms ticks are too coarse here.)
    if (const long idle_ms = a.num("--idle-ms", 0); idle_ms > 0) {
      auto cpu_now = [] {
        timespec ts{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
      };
      const double c0 = cpu_now();
      std::this_thread::sleep_for(std::chrono::milliseconds(idle_ms));
      emit("idle_cpu_s", cpu_now() - c0);
      emit("idle_s", idle_ms / 1000.0);
    }
  }
  if (paused) {
    const double cpu0 = proc_cpu_s(::getpid());
    const std::int64_t t0 = mono_ns();
    emit_ns("resumed_ns", t0);
    control(sys, scheduler, "resume");
    if (expect_nodes > 0) {
      // Every job through the full lease protocol over the network.
      for (;;) {
        auto c = store->counters().by_state;
        if (c.done + c.failed + c.cancelled >= static_cast<std::size_t>(jobs)) break;
        std::this_thread::sleep_for(10ms);
      }
      const std::int64_t t1 = mono_ns();
      const double cpu1 = proc_cpu_s(::getpid());
      auto c = store->counters().by_state;
      emit("dispatch_s", secs(t1 - t0));
      emit("dispatch_cpu_s", cpu1 - cpu0);
      emit("total_cpu_s", cpu1);
      emit("hwm_kib", static_cast<double>(proc_hwm_kib(::getpid())));
      emit("jobs_done", std::to_string(c.done));
      emit("jobs_failed", std::to_string(c.failed + c.cancelled));
      emit_ns("done_ns", t1);
    }
  }
  int sig = 0;
  sigwait(&stop, &sig);
  store->sync();
  std::fflush(stdout);
  std::_Exit(0);  // a benchmark: no orderly CAF shutdown (the store is durable)
}

// ---------------------------------------------------------------- nodes

// What a node process records: per-slot turnarounds and service times in
// memory (written out at SIGTERM), and with --events every assignment and
// outcome as a line (written at once, so a process killed with -9 leaves
// them all).
struct Recorder {
  std::mutex mu;
  std::vector<std::int64_t> turnaround_ns, service_ns;
  int events_fd = -1;
  void line(const std::string& s) {
    if (events_fd >= 0) [[maybe_unused]] auto n = ::write(events_fd, s.data(), s.size());
  }
};

std::optional<msg::scheduler_actor> connect_coordinator(caf::actor_system& sys, const std::string& host, int port,
                                                        std::chrono::milliseconds timeout, std::string& error) {
  caf::scoped_actor self{sys};
  std::optional<msg::scheduler_actor> result;
  self->request(sys.middleman().actor_handle(), timeout, caf::connect_atom::value, host,
                static_cast<std::uint16_t>(port))
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            if (!ptr) {
              error = "nothing is published at " + host + ":" + std::to_string(port);
              return;
            }
            result = caf::actor_cast<msg::scheduler_actor>(std::move(ptr));
          },
          [&](caf::error& e) { error = sys.render(e); });
  return result;
}

// K simulated cluster nodes in one process: K real coordinator links, each
// with S no-op slots; one CAF connection to the coordinator (CAF keeps one
// per peer process), reconnected with the loop of
// nodes/hyper2kvm/cluster_node.cpp.
int nodes(const Args& a) {
  sigset_t stop;
  block_stop_signals(stop);
  const fs::path dir = a.str("--dir");
  const std::string prefix = a.str("--name", "p0-");
  const int port = static_cast<int>(a.num("--port", 0));
  const long count = a.num("--count", 50);
  const long slots = a.num("--slots", 2);
  const long slow_nodes = a.num("--slow-nodes", 0);
  const auto hold = std::chrono::milliseconds(a.num("--hold-ms", 0));
  const auto node_timeout = std::chrono::milliseconds(a.num("--node-timeout-ms", 2000));
  const auto heartbeat = std::chrono::milliseconds(a.num("--heartbeat-ms", 500));
  const std::string events = a.str("--events"), samples = a.str("--samples");
  fs::create_directories(dir);

  auto rec = std::make_shared<Recorder>();
  if (!events.empty()) rec->events_fd = open_append(events);
  auto hooks = std::make_shared<bench::slot_hooks>();
  hooks->assigned = [rec](const msg::job_assignment& j, std::int64_t now, std::int64_t turnaround) {
    if (turnaround >= 0) {
      std::lock_guard<std::mutex> g(rec->mu);
      rec->turnaround_ns.push_back(turnaround);
    }
    if (rec->events_fd >= 0)
      rec->line("A " + std::to_string(now) + " " + j.job_id + " " + std::to_string(j.epoch) + " " + j.holder + "\n");
  };
  hooks->outcome = [rec](const msg::job_outcome& o, std::int64_t now, std::int64_t service) {
    {
      std::lock_guard<std::mutex> g(rec->mu);
      rec->service_ns.push_back(service);
    }
    if (rec->events_fd >= 0)
      rec->line("O " + std::to_string(now) + " " + o.job_id + " " + std::to_string(o.epoch) + " " + o.status + "\n");
  };

  caf::actor_system_config cfg;
  configure(cfg, heartbeat, node_timeout);
  caf::actor_system sys{cfg};
  auto log = fd_logger(prefix + "links", rec->events_fd, spdlog::level::info, spdlog::level::info);

  std::vector<msg::coordinator_link_actor> links;
  for (long k = 0; k < count; ++k) {
    char name[64];
    std::snprintf(name, sizeof name, "%sn%03ld", prefix.c_str(), k);
    LinkSettings ls;
    ls.node_name = name;
    ls.roles = {"converter"};
    ls.host = "127.0.0.1";
    ls.accel = "tcg";
    ls.slots = static_cast<std::size_t>(slots);
    ls.scratch_dir = dir;
    ls.share_root = a.str("--share");
    ls.heartbeat_interval = heartbeat;
    const auto slot_hold = k < slow_nodes ? hold : std::chrono::milliseconds(0);
    SlotFactory make_slot = [slot_hold, hooks](caf::actor_system& s, msg::job_report_actor link) {
      return s.spawn(bench::link_noop_slot, link, slot_hold, hooks);
    };
    links.push_back(sys.spawn(coordinator_link_actor_fn, ls, make_slot, log, SlotFactory{}));
  }

  // Connect, and reconnect whenever the coordinator goes away: 200 ms
  // after a loss, doubling to 5 s while it stays unreachable (as
  // nodes/hyper2kvm/cluster_node.cpp).
  caf::scoped_actor self{sys};
  auto backoff = 200ms;
  std::optional<msg::scheduler_actor> coordinator;
  for (;;) {
    if (!coordinator) {
      std::string error;
      coordinator = connect_coordinator(sys, "127.0.0.1", port, std::max<std::chrono::milliseconds>(node_timeout, 2s),
                                        error);
      if (coordinator) {
        log->info("connected to the coordinator");
        self->monitor(*coordinator);
        for (auto& l : links) self->send(l, *coordinator);
        backoff = 200ms;
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
          // As nodes/hyper2kvm/cluster_node.cpp: doubling, capped at 2 s.
          if (!coordinator && backoff < 2s) backoff = std::min<std::chrono::milliseconds>(backoff * 2, 2s);
        });
    timespec zero{0, 0};
    int sig = sigtimedwait(&stop, nullptr, &zero);
    if (sig == SIGTERM || sig == SIGINT) break;
  }
  if (!samples.empty()) {
    std::lock_guard<std::mutex> g(rec->mu);
    std::ofstream out(samples);
    for (auto v : rec->turnaround_ns) out << "T " << v << "\n";
    for (auto v : rec->service_ns) out << "S " << v << "\n";
  }
  std::_Exit(0);  // no orderly shutdown: the coordinator's view no longer matters
}

// ---------------------------------------------------------------- scenarios

fs::path self_exe() { return fs::read_symlink("/proc/self/exe"); }

pid_t launch(const std::vector<std::string>& args, const fs::path& out) {
  const fs::path exe = self_exe();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the scenario
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(exe.c_str()));
    for (auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

bool alive(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == 0;
}

void stop(pid_t pid, int sig = SIGTERM) {
  if (pid <= 0) return;
  ::kill(pid, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

std::map<std::string, std::string> read_kv(const fs::path& f) {
  std::map<std::string, std::string> out;
  std::ifstream in(f);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos && line.find(' ') > eq) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// Waits for `key=` in a child's output; throws when the child died or the
// time is up.
std::string wait_key(const fs::path& out, const std::string& key, pid_t pid, double timeout_s) {
  const std::int64_t deadline = mono_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
  for (;;) {
    auto kv = read_kv(out);
    if (auto it = kv.find(key); it != kv.end()) return it->second;
    if (!alive(pid)) throw std::runtime_error("child " + std::to_string(pid) + " died before " + key + " (see " + out.string() + ")");
    if (mono_ns() > deadline) throw std::runtime_error("timed out waiting for " + key + " in " + out.string());
    std::this_thread::sleep_for(5ms);
  }
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

struct Event {
  char kind = 0;           // 'A' assignment arrived, 'O' outcome sent, 'L' link log line
  std::int64_t ns = 0;
  std::string job;         // A/O; the message for L
  std::uint64_t epoch = 0;
};

std::vector<Event> read_events(const fs::path& f) {
  std::vector<Event> out;
  std::ifstream in(f);
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    Event e;
    ls >> e.kind >> e.ns;
    if (e.kind == 'A' || e.kind == 'O') ls >> e.job >> e.epoch;
    else if (e.kind == 'L') std::getline(ls, e.job);
    else continue;
    out.push_back(std::move(e));
  }
  return out;
}

struct NodeProc {
  pid_t pid = -1;
  std::string name;
  fs::path out, events, samples;
};

struct Layout {
  long nodes, procs, slots;
  long count(long i) const { return nodes / procs + (i < nodes % procs ? 1 : 0); }
};

NodeProc launch_nodes(const fs::path& dir, int port, long i, long count, long slots, long slow_nodes, long hold_ms,
                      bool with_events) {
  NodeProc p;
  p.name = "p" + std::to_string(i) + "-";
  p.out = dir / ("nodes-" + std::to_string(i) + ".out");
  p.samples = dir / ("nodes-" + std::to_string(i) + ".samples");
  std::vector<std::string> args = {"nodes", "--dir", (dir / "scratch").string(), "--port", std::to_string(port),
                                   "--name", p.name, "--count", std::to_string(count), "--slots", std::to_string(slots),
                                   "--slow-nodes", std::to_string(slow_nodes), "--hold-ms", std::to_string(hold_ms),
                                   "--samples", p.samples.string(), "--share", (dir / "coord").string()};
  if (with_events) {
    p.events = dir / ("nodes-" + std::to_string(i) + ".events");
    args.push_back("--events");
    args.push_back(p.events.string());
  }
  p.pid = launch(args, p.out);
  return p;
}

void result(const std::string& key, double v, const char* fmt = "%.6g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  std::printf("RESULT %s %s\n", key.c_str(), buf);
}

const char* verdict(bool ok) { return ok ? "MET" : "MISSED"; }

// 1. Dispatch throughput over the network.
int dispatch(const Args& a) {
  const fs::path dir = a.str("--dir");
  const long jobs = a.num("--jobs", 50000);
  const Layout lay{a.num("--nodes", 200), a.num("--procs", 4), a.num("--slots", 2)};
  fs::create_directories(dir);
  const int port = free_port();
  const fs::path coord_out = dir / "coord.out";
  std::printf("dispatch: %ld jobs, %ld nodes x %ld slots (%ld slots) in %ld node processes, coordinator 127.0.0.1:%d\n",
              jobs, lay.nodes, lay.slots, lay.nodes * lay.slots, lay.procs, port);
  std::fflush(stdout);
  pid_t coord = launch({"coord", "--dir", (dir / "coord").string(), "--port", std::to_string(port), "--jobs",
                        std::to_string(jobs), "--expect-nodes", std::to_string(lay.nodes), "--archive",
                        std::to_string(a.num("--archive", 1)), "--stats", std::to_string(a.num("--stats", 1)), "--idle-ms", std::to_string(a.num("--idle-ms", 10000))},
                       coord_out);
  std::vector<NodeProc> procs;
  try {
    wait_key(coord_out, "listening_ns", coord, 900);
    const std::int64_t t_launch = mono_ns();
    for (long i = 0; i < lay.procs; ++i)
      procs.push_back(launch_nodes(dir, port, i, lay.count(i), lay.slots, 0, 0, false));
    const std::int64_t joined = std::stoll(wait_key(coord_out, "joined_ns", coord, 300));
    wait_key(coord_out, "resumed_ns", coord, 60);
    std::vector<double> cpu0;
    for (auto& p : procs) cpu0.push_back(proc_cpu_s(p.pid));
    wait_key(coord_out, "done_ns", coord, std::max(900.0, jobs / 50.0));
    double node_cpu = 0;
    long node_hwm = 0;
    for (std::size_t i = 0; i < procs.size(); ++i) {
      node_cpu += proc_cpu_s(procs[i].pid) - cpu0[i];
      node_hwm = std::max(node_hwm, proc_hwm_kib(procs[i].pid));
    }
    for (auto& p : procs) stop(p.pid);
    std::vector<double> turnaround, service;
    for (auto& p : procs) {
      std::ifstream in(p.samples);
      char k;
      long long v;
      while (in >> k >> v) (k == 'T' ? turnaround : service).push_back(static_cast<double>(v) / 1e6);
    }
    auto kv = read_kv(coord_out);
    stop(coord);
    const double enqueue_s = std::stod(kv["enqueue_s"]), dispatch_s = std::stod(kv["dispatch_s"]);
    const double cpu = std::stod(kv["dispatch_cpu_s"]);
    const double rate = jobs / dispatch_s;
    const double hwm_mib = std::stod(kv["hwm_kib"]) / 1024.0;
    const double idle_cpu = std::stod(kv["idle_cpu_s"]), idle_s = std::stod(kv["idle_s"]);
    std::printf("  idle:       coordinator %.3f CPU s over %.0f s with %ld nodes heartbeating every 500 ms = "
                "%.1f us per heartbeat (%.2f%% of one core)\n",
                idle_cpu, idle_s, lay.nodes, 1e6 * idle_cpu / (idle_s * lay.nodes * 2), 100 * idle_cpu / idle_s);
    std::printf("  enqueue:    %.1f s (%.0f jobs/s, vm_found through the paused scheduler)\n", enqueue_s,
                jobs / enqueue_s);
    std::printf("  join:       %.2f s for %ld nodes to register (node processes started -> last node_hello)\n",
                secs(joined - t_launch), lay.nodes);
    std::printf("  dispatch:   %.1f s, %.0f jobs/s dispatched + completed (goal >= 5000: %s); %s done, %s failed\n",
                dispatch_s, rate, verdict(rate >= 5000), kv["jobs_done"].c_str(), kv["jobs_failed"].c_str());
    std::printf("  coordinator: %.1f CPU s during dispatch = %.3f ms/job (%.0f%% of one core); peak RSS %.1f MiB\n", cpu,
                1000 * cpu / jobs, 100 * cpu / dispatch_s, hwm_mib);
    std::printf("  node processes: %.1f CPU s together = %.3f ms/job; peak RSS %.1f MiB (largest)\n", node_cpu,
                1000 * node_cpu / jobs, node_hwm / 1024.0);
    std::printf("  per-slot turnaround (slot's outcome sent -> its next assignment received): p50 %.2f ms, p99 %.2f ms "
                "(%zu samples)\n",
                percentile(turnaround, 50), percentile(turnaround, 99), turnaround.size());
    std::printf("  per-job service on the slot (assignment -> outcome: job_planned + fenced publish round trips): "
                "p50 %.2f ms, p99 %.2f ms\n",
                percentile(service, 50), percentile(service, 99));
    result("dispatch_jobs", jobs, "%.0f");
    result("dispatch_archive", a.num("--archive", 1), "%.0f");
    result("dispatch_stats", a.num("--stats", 1), "%.0f");
    result("idle_cpu_s", idle_cpu, "%.3f");
    result("idle_s", idle_s, "%.1f");
    result("heartbeat_us", 1e6 * idle_cpu / (idle_s * lay.nodes * 2), "%.1f");
    result("dispatch_nodes", lay.nodes, "%.0f");
    result("dispatch_slots", lay.nodes * lay.slots, "%.0f");
    result("dispatch_procs", lay.procs, "%.0f");
    result("enqueue_rate", jobs / enqueue_s, "%.0f");
    result("join_s", secs(joined - t_launch), "%.2f");
    result("dispatch_s", dispatch_s, "%.2f");
    result("dispatch_rate", rate, "%.0f");
    result("coord_cpu_s", cpu, "%.2f");
    result("coord_cpu_ms_per_job", 1000 * cpu / jobs, "%.4f");
    result("coord_core_share", cpu / dispatch_s, "%.3f");
    result("coord_hwm_mib", hwm_mib, "%.1f");
    result("node_cpu_ms_per_job", 1000 * node_cpu / jobs, "%.4f");
    result("turnaround_p50_ms", percentile(turnaround, 50), "%.2f");
    result("turnaround_p99_ms", percentile(turnaround, 99), "%.2f");
    result("service_p50_ms", percentile(service, 50), "%.2f");
    result("service_p99_ms", percentile(service, 99), "%.2f");
    result("jobs_failed", std::stod(kv["jobs_failed"]), "%.0f");
    return std::stol(kv["jobs_done"]) == jobs ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dispatch: %s\n", e.what());
    for (auto& p : procs) stop(p.pid, SIGKILL);
    stop(coord, SIGKILL);
    return 1;
  }
}

// Jobs a victim process held at time t (assigned, outcome not sent), and
// when each got its next lease on another process.
struct Reassignment {
  std::size_t held = 0, reassigned = 0, extra = 0;
  double first_s = -1, median_s = -1, last_s = -1;
};

Reassignment reassignment(const fs::path& victim_events, const std::vector<fs::path>& others, std::int64_t t) {
  std::map<std::string, std::uint64_t> last;  // job -> latest epoch on the victim
  std::set<std::pair<std::string, std::uint64_t>> reported;
  for (auto& e : read_events(victim_events)) {
    if (e.ns > t) continue;
    if (e.kind == 'A') last[e.job] = std::max(last[e.job], e.epoch);
    if (e.kind == 'O') reported.emplace(e.job, e.epoch);
  }
  std::set<std::string> held;
  for (auto& [job, epoch] : last)
    if (!reported.count({job, epoch})) held.insert(job);
  std::map<std::string, std::int64_t> first_again;  // victim's job -> first later lease elsewhere
  for (auto& f : others)
    for (auto& e : read_events(f)) {
      if (e.kind != 'A' || e.ns <= t) continue;
      auto it = last.find(e.job);
      if (it == last.end() || e.epoch <= it->second) continue;
      auto [pos, fresh] = first_again.emplace(e.job, e.ns);
      if (!fresh) pos->second = std::min(pos->second, e.ns);
    }
  Reassignment r;
  r.held = held.size();
  std::vector<double> held_delays;
  for (auto& [job, ns] : first_again) {
    if (held.count(job)) held_delays.push_back(secs(ns - t));
    else ++r.extra;  // outcome sent before the kill but not yet acknowledged: leased again too
  }
  r.reassigned = held_delays.size();
  if (!held_delays.empty()) {
    r.first_s = percentile(held_delays, 0);
    r.median_s = percentile(held_delays, 50);
    r.last_s = percentile(held_delays, 100);
  }
  return r;
}

// When the coordinator first logged about one of the nodes (its connection
// lost, or the node lost) after t; its log lines carry the monotonic time.
double detection_s(const fs::path& coord_log, const std::string& node_prefix, std::int64_t t) {
  for (auto& e : read_events(coord_log))
    if (e.ns > t && e.job.find("node " + node_prefix) != std::string::npos && e.job.find(" lost") != std::string::npos)
      return secs(e.ns - t);
  return -1;
}

// 2. A node process killed (-9) and another frozen (SIGSTOP) mid-run.
int dead_node(const Args& a) {
  const fs::path dir = a.str("--dir");
  const long jobs = a.num("--jobs", 100000);
  const Layout lay{a.num("--nodes", 200), a.num("--procs", 4), a.num("--slots", 2)};
  const long hold_ms = a.num("--hold-ms", 2000);
  const long kill_after_ms = a.num("--kill-after-ms", 5000);
  const long node_timeout_ms = 2000;
  const bool freeze = !a.has("--no-freeze") && lay.procs >= 3;
  if (lay.procs < 2) throw std::runtime_error("dead-node needs --procs >= 2");
  fs::create_directories(dir);
  const int port = free_port();
  const fs::path coord_out = dir / "coord.out";
  std::printf("dead-node: %ld jobs, %ld nodes x %ld slots in %ld processes; in each, half the nodes hold every job "
              "%ld ms; node_timeout %ld ms, heartbeat 500 ms\n",
              jobs, lay.nodes, lay.slots, lay.procs, hold_ms, node_timeout_ms);
  std::fflush(stdout);
  pid_t coord = launch({"coord", "--dir", (dir / "coord").string(), "--port", std::to_string(port), "--jobs",
                        std::to_string(jobs), "--expect-nodes", std::to_string(lay.nodes), "--node-timeout-ms",
                        std::to_string(node_timeout_ms), "--heartbeat-ms", "500"},
                       coord_out);
  std::vector<NodeProc> procs;
  int rc = 0;
  try {
    wait_key(coord_out, "listening_ns", coord, 900);
    for (long i = 0; i < lay.procs; ++i)
      procs.push_back(launch_nodes(dir, port, i, lay.count(i), lay.slots, lay.count(i) / 2, hold_ms, true));
    const std::int64_t resumed = std::stoll(wait_key(coord_out, "resumed_ns", coord, 300));
    std::this_thread::sleep_until(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(resumed)) +
                                  std::chrono::milliseconds(kill_after_ms));
    // kill -9 process 0.
    const std::int64_t t_kill = mono_ns();
    ::kill(procs[0].pid, SIGKILL);
    ::waitpid(procs[0].pid, nullptr, 0);
    procs[0].pid = -1;
    // The kill's jobs are moved within node_timeout + 1 s (the goal); the
    // freeze comes 2 s after that, while the queue still holds work.
    std::this_thread::sleep_for(std::chrono::milliseconds(node_timeout_ms + 3000));
    // Survivors for the kill: every other process (the freeze comes later).
    std::vector<fs::path> others;
    for (std::size_t i = 1; i < procs.size(); ++i) others.push_back(procs[i].events);
    auto k = reassignment(procs[0].events, others, t_kill);
    const double k_detect = detection_s(dir / "coord" / "coord.log", procs[0].name, t_kill);
    const double goal = node_timeout_ms / 1000.0 + 1;
    std::printf("  kill -9 of process p0 (%ld nodes, %ld slots) %.1f s into the run:\n", lay.count(0),
                lay.count(0) * lay.slots, kill_after_ms / 1000.0);
    std::printf("    coordinator noticed (its first log line on a p0 node's connection or loss): %.3f s after the kill\n",
                k_detect);
    std::printf("    %zu jobs held by p0; %zu re-assigned on other nodes (+%zu whose outcome was unacknowledged); "
                "first %.3f s, median %.3f s, last %.3f s after the kill (goal <= %.0f s: %s)\n",
                k.held, k.reassigned, k.extra, k.first_s, k.median_s, k.last_s, goal,
                k.held == 0 ? "n/a: it held no job (the run had ended: more --jobs)"
                            : verdict(k.reassigned == k.held && k.last_s >= 0 && k.last_s <= goal));
    result("kill_held", k.held, "%.0f");
    result("kill_reassigned", k.reassigned, "%.0f");
    result("kill_detect_s", k_detect, "%.3f");
    result("kill_first_s", k.first_s, "%.3f");
    result("kill_last_s", k.last_s, "%.3f");
    if (freeze) {
      const std::int64_t t_stop = mono_ns();
      ::kill(procs[1].pid, SIGSTOP);
      std::this_thread::sleep_for(std::chrono::milliseconds(node_timeout_ms + 6000));
      std::vector<fs::path> rest;
      for (std::size_t i = 2; i < procs.size(); ++i) rest.push_back(procs[i].events);
      auto f = reassignment(procs[1].events, rest, t_stop);
      const double f_detect = detection_s(dir / "coord" / "coord.log", procs[1].name, t_stop);
      stop(procs[1].pid, SIGKILL);
      procs[1].pid = -1;
      std::printf("  SIGSTOP of process p1 (frozen: its connection stays open, only silence gives it away):\n");
      std::printf("    coordinator noticed: %.3f s after the stop\n", f_detect);
      std::printf("    %zu jobs held by p1; %zu re-assigned (+%zu unacknowledged); first %.3f s, median %.3f s, "
                  "last %.3f s after the stop (goal <= %.0f s: %s)\n",
                  f.held, f.reassigned, f.extra, f.first_s, f.median_s, f.last_s, goal,
                  f.held == 0 ? "n/a: it held no job (the run had ended: more --jobs)"
                              : verdict(f.reassigned == f.held && f.last_s >= 0 && f.last_s <= goal));
      result("freeze_held", f.held, "%.0f");
      result("freeze_reassigned", f.reassigned, "%.0f");
      result("freeze_detect_s", f_detect, "%.3f");
      result("freeze_first_s", f.first_s, "%.3f");
      result("freeze_last_s", f.last_s, "%.3f");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dead-node: %s\n", e.what());
    rc = 1;
  }
  for (auto& p : procs) stop(p.pid, SIGKILL);
  stop(coord, SIGKILL);
  return rc;
}

// 3. The coordinator killed (-9) and started again over the same store.
int failover(const Args& a) {
  const fs::path dir = a.str("--dir");
  const long running = a.num("--running", 50);
  const long queued = a.num("--queued", 10000);
  const long hold_ms = a.num("--hold-ms", 2000);
  const long restart_delay_ms = a.num("--restart-delay-ms", 1000);
  const long slots = 2;
  const long node_count = (running + slots - 1) / slots;
  fs::create_directories(dir);
  const int port = free_port();
  const fs::path coord_out = dir / "coord.out", coord2_out = dir / "coord2.out";
  std::printf("failover: %ld jobs (%ld running on %ld nodes x %ld slow slots holding each job %ld ms, the rest "
              "queued); restart %ld ms after the kill\n",
              running + queued, node_count * slots, node_count, slots, hold_ms, restart_delay_ms);
  std::fflush(stdout);
  const std::vector<std::string> coord_args = {"--dir", (dir / "coord").string(), "--port", std::to_string(port),
                                               "--node-timeout-ms", "2000", "--heartbeat-ms", "500"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = {"coord"};
    v.insert(v.end(), coord_args.begin(), coord_args.end());
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  pid_t coord = launch(with({"--jobs", std::to_string(running + queued), "--expect-nodes", std::to_string(node_count)}),
                       coord_out);
  pid_t coord2 = -1;
  NodeProc np;
  int rc = 0;
  try {
    wait_key(coord_out, "listening_ns", coord, 900);
    np = launch_nodes(dir, port, 0, node_count, slots, node_count, hold_ms, true);
    wait_key(coord_out, "resumed_ns", coord, 300);
    // Every slot busy: R assignments arrived.
    std::int64_t first_a = -1;
    for (const std::int64_t deadline = mono_ns() + 30'000'000'000LL;;) {
      auto ev = read_events(np.events);
      std::size_t n = 0;
      for (auto& e : ev)
        if (e.kind == 'A') {
          ++n;
          if (first_a < 0) first_a = e.ns;
        }
      if (n >= static_cast<std::size_t>(node_count * slots)) break;
      if (mono_ns() > deadline) throw std::runtime_error("the slots did not all get a job");
      std::this_thread::sleep_for(10ms);
    }
    // Kill late in the first hold, so the jobs end while the coordinator is
    // away (their outcomes wait in the links) and the first new assignment
    // after the restart does not wait for a hold to end.
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(first_a)) +
        std::chrono::milliseconds(std::max(0L, hold_ms - 300)));
    const std::int64_t t_kill = mono_ns();
    ::kill(coord, SIGKILL);
    ::waitpid(coord, nullptr, 0);
    coord = -1;
    std::size_t assigned_before = 0;
    for (auto& e : read_events(np.events))
      if (e.kind == 'A' && e.ns <= t_kill) ++assigned_before;
    std::this_thread::sleep_for(std::chrono::milliseconds(restart_delay_ms));
    const std::int64_t t_restart = mono_ns();
    coord2 = launch(with({}), coord2_out);
    const std::int64_t listening = std::stoll(wait_key(coord2_out, "listening_ns", coord2, 120));
    // The first new assignment, all nodes registered again.
    std::int64_t first_new = -1, all_registered = -1;
    long registered = 0, leases_kept = 0;
    for (const std::int64_t deadline = t_restart + 60'000'000'000LL; mono_ns() < deadline;) {
      registered = 0;
      leases_kept = 0;
      first_new = -1;
      all_registered = -1;
      for (auto& e : read_events(np.events)) {
        if (e.ns <= t_restart) continue;
        if (e.kind == 'A' && first_new < 0) first_new = e.ns;
        if (e.kind == 'L' && e.job.find("registered with the coordinator") != std::string::npos) {
          ++registered;
          auto p = e.job.find(" lease(s) kept");
          if (p != std::string::npos) {
            auto q = e.job.rfind(' ', p - 1);
            leases_kept += std::stol(e.job.substr(q + 1, p - q - 1));
          }
          if (registered == node_count) all_registered = e.ns;
        }
      }
      if (first_new >= 0 && all_registered >= 0) break;
      std::this_thread::sleep_for(20ms);
    }
    // Let the restarted coordinator run a while: no job may be redone.
    std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms + 3000));
    std::size_t redone = 0, after = 0;
    for (auto& e : read_events(np.events))
      if (e.kind == 'A' && e.ns > t_restart) {
        ++after;
        if (e.epoch >= 2) ++redone;
      }
    const double first_s = first_new < 0 ? -1 : secs(first_new - t_restart);
    std::printf("  killed with %ld running and ~%ld queued (%zu assigned before the kill)\n", node_count * slots,
                running + queued - static_cast<long>(assigned_before), assigned_before);
    std::printf("  restart -> listening (store open + recovery + publish): %.3f s\n", secs(listening - t_restart));
    std::printf("  restart -> first new assignment at a node: %.3f s (goal <= 5 s: %s)\n", first_s,
                verdict(first_s >= 0 && first_s <= 5));
    std::printf("  restart -> all %ld nodes registered again: %.3f s; leases kept across the restart: %ld; "
                "jobs redone (epoch >= 2) in the %.0f s after: %zu of %zu assignments\n",
                node_count, all_registered < 0 ? -1 : secs(all_registered - t_restart), leases_kept,
                (hold_ms + 3000) / 1000.0, redone, after);
    result("failover_listening_s", secs(listening - t_restart), "%.3f");
    result("failover_first_assignment_s", first_s, "%.3f");
    result("failover_all_registered_s", all_registered < 0 ? -1 : secs(all_registered - t_restart), "%.3f");
    result("failover_leases_kept", leases_kept, "%.0f");
    result("failover_redone", redone, "%.0f");
    result("failover_running", node_count * slots, "%.0f");
    result("failover_queued", running + queued - static_cast<double>(assigned_before), "%.0f");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "failover: %s\n", e.what());
    rc = 1;
  }
  stop(np.pid, SIGKILL);
  stop(coord, SIGKILL);
  stop(coord2, SIGKILL);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: cluster_bench dispatch|dead-node|failover --dir DIR [options] (see the top of "
                 "bench/cluster/cluster_bench.cpp)\n");
    return 2;
  }
  const std::string role = argv[1];
  try {
    Args a(argc, argv, 2);
    if (role == "coord") return coord(a);
    if (role == "nodes") return nodes(a);
    if (a.str("--dir").empty()) throw std::runtime_error("--dir DIR is required");
    setvbuf(stdout, nullptr, _IOLBF, 0);
    if (role == "dispatch") return dispatch(a);
    if (role == "dead-node") return dead_node(a);
    if (role == "failover") return failover(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cluster_bench %s: %s\n", role.c_str(), e.what());
    return 2;
  }
  std::fprintf(stderr, "cluster_bench: unknown role %s\n", role.c_str());
  return 2;
}
