// Benchmarks of the daemon's own machinery, with the engine replaced by a
// no-op converter (this program only):
//   daemon_bench ingest DIR [--files 1000]
//       drops N files at once into DIR/queue; the real watcher and scheduler
//       take them; prints, per file, the time from "stable" (last write + the
//       two 1 s stability intervals: the earliest moment the watcher may
//       accept it) to its conversion starting: median, p99, max.
//   daemon_bench scale DIR [--jobs 100000] [--slots 2]
//       enqueues N jobs through the scheduler (paused), restarts it (crash
//       recovery over N queued jobs), then dispatches them all; prints the
//       enqueue and dispatch rates, peak RSS, RocksDB size and recovery time.
//   daemon_bench hash FILE [md5|xxh128]
//       dedup keys of FILE: md5 and xxh128, MB/s each (compare md5sum, dd).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/watcher/watcher_actor.hpp"
#include "bench/daemon/noop_converter.hpp"
#include "messages/register_messages.hpp"
#include "storage/dedup_key.hpp"
#include "storage/job_store.hpp"

namespace fs = std::filesystem;
using namespace h2k;
using clk = std::chrono::steady_clock;

namespace {


double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::uint64_t dir_bytes(const fs::path& dir) {
  std::uint64_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p / 100.0 * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::shared_ptr<spdlog::logger> quiet_logger() {
  return std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>());
}

ConverterFactory noop_factory() {
  return [](caf::actor_system& sys, msg::scheduler_actor s) { return sys.spawn(bench::noop_converter, s); };
}

caf::actor_system_config& base_config(caf::actor_system_config& cfg) {
  msg::register_messages(cfg);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", 2);
  return cfg;
}

void control(caf::actor_system& sys, const msg::scheduler_actor& s, const std::string& cmd) {
  caf::scoped_actor self{sys};
  self->request(s, std::chrono::seconds(600), msg::control_command{cmd, "{}"}).receive([](msg::control_reply&) {},
                                                                                          [](caf::error&) {});
}

void wait_down(caf::actor_system& sys, const msg::scheduler_actor& s) {
  caf::scoped_actor self{sys};
  self->monitor(s);
  self->send(s, msg::control_command{"drain", "{}"});
  self->receive([](caf::down_msg&) {});
}

int ingest(const fs::path& dir, int files) {
  fs::remove_all(dir);
  const fs::path queue = dir / "queue", output = dir / "output";
  fs::create_directories(queue);
  fs::create_directories(output);
  auto store = std::make_shared<JobStore>(dir / "state" / "state.rocksdb");  // the daemon's state_dir
  caf::actor_system_config cfg;
  caf::actor_system sys{base_config(cfg)};
  SchedulerSettings s;
  s.watch_root = queue;
  s.output_root = output;
  s.slots = 4;
  s.enable_deduplication = true;
  s.archive_processed = true;
  auto scheduler = sys.spawn(scheduler_actor_fn, s, store, quiet_logger(), noop_factory(), msg::stats_actor{},
                             msg::notifier_actor{}, ConverterFactory{}, ArchiverFactory{});
  WatcherOptions w;
  w.settings.watch_dir = queue;
  w.settings.orphan_grace = std::chrono::milliseconds(0);  // measure the mechanism, not the policy delay
  auto watcher = sys.spawn<caf::detached>(watcher_actor_fn, w, scheduler, quiet_logger());
  std::this_thread::sleep_for(std::chrono::seconds(1));

  // Drop every file "at once": write them all, then note each one's mtime.
  std::vector<std::pair<std::string, std::int64_t>> dropped;
  std::string block(4096, 'x');
  for (int i = 0; i < files; ++i) {
    std::string name = "vm" + std::to_string(i) + ".qcow2";
    std::ofstream(queue / name, std::ios::binary) << block;
    auto mtime = fs::last_write_time(queue / name);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::file_clock::to_sys(mtime).time_since_epoch()).count();
    dropped.emplace_back(name, ms);
  }
  auto t0 = clk::now();
  while (store->counters().by_state.done < static_cast<std::size_t>(files) && seconds_since(t0) < 600)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double all_s = seconds_since(t0);
  std::map<std::string, std::int64_t> mtime_of(dropped.begin(), dropped.end());
  std::vector<double> overhead, enqueue_to_start;
  for (const auto& job : store->list(JobState::Done)) {
    auto it = mtime_of.find(job.sources.front().string());
    if (it == mtime_of.end()) continue;
    overhead.push_back((job.started_at - (it->second + 2000)) / 1000.0);
    enqueue_to_start.push_back((job.started_at - job.created_at) / 1000.0);
  }
  std::printf("ingest: %d files dropped at once, %zu converted (no-op) in %.1f s after the last write\n", files,
              overhead.size(), all_s);
  std::printf("  stable -> conversion start: median %.3f s, p99 %.3f s, max %.3f s\n", percentile(overhead, 50),
              percentile(overhead, 99), percentile(overhead, 100));
  std::printf("  queued -> conversion start: median %.3f s, p99 %.3f s (waiting for one of %zu slots)\n",
              percentile(enqueue_to_start, 50), percentile(enqueue_to_start, 99), s.slots);
  std::printf("  (\"stable\" = last write + 2 s: three stat checks 1 s apart is the earliest acceptance)\n");
  caf::anon_send(watcher, msg::shutdown_atom::value);
  wait_down(sys, scheduler);
  return overhead.size() == static_cast<std::size_t>(files) ? 0 : 1;
}

// As the daemon opens its store: the scheduler syncs once per group commit.
JobStoreOptions group_commit() {
  JobStoreOptions o;
  o.sync_writes = false;
  return o;
}

int scale(const fs::path& dir, int jobs, int slots) {
  fs::remove_all(dir);
  const fs::path queue = dir / "queue", output = dir / "output", db = dir / "state" / "state.rocksdb";
  fs::create_directories(queue);
  SchedulerSettings s;
  s.watch_root = queue;
  s.output_root = output;
  s.slots = static_cast<std::size_t>(slots);
  s.enable_deduplication = true;
  s.archive_processed = true;
  double enqueue_s = 0;
  {
    auto store = std::make_shared<JobStore>(db, group_commit());
    caf::actor_system_config cfg;
    caf::actor_system sys{base_config(cfg)};
    auto scheduler = sys.spawn(scheduler_actor_fn, s, store, quiet_logger(), noop_factory(), msg::stats_actor{},
                               msg::notifier_actor{}, ConverterFactory{}, ArchiverFactory{});
    control(sys, scheduler, "pause");
    // The scheduler takes only files that are in the queue: empty ones
    // (made before the clock starts; archiving then moves real files).
    for (int i = 0; i < jobs; ++i) std::ofstream(queue / ("vm" + std::to_string(i) + ".ova"));
    auto t0 = clk::now();
    for (int i = 0; i < jobs; ++i) {
      msg::vm_found vm;
      vm.sources = {"vm" + std::to_string(i) + ".ova"};
      vm.file_type = "ova";
      vm.total_bytes = 1u << 30;
      vm.dedup_key = "name_size:vm" + std::to_string(i) + ".ova:1073741824";
      caf::anon_send(scheduler, std::move(vm));
    }
    while (store->counters().by_state.queued < static_cast<std::size_t>(jobs))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    enqueue_s = seconds_since(t0);
    caf::anon_send(scheduler, msg::shutdown_atom::value);
  }
  const std::uint64_t db_bytes = dir_bytes(db);
  // Restart: open the store and let the scheduler recover N queued jobs.
  auto t1 = clk::now();
  auto store = std::make_shared<JobStore>(db, group_commit());
  double open_s = seconds_since(t1);
  caf::actor_system_config cfg;
  caf::actor_system sys{base_config(cfg)};
  auto t2 = clk::now();
  auto scheduler = sys.spawn(scheduler_actor_fn, s, store, quiet_logger(), noop_factory(), msg::stats_actor{},
                             msg::notifier_actor{}, ConverterFactory{}, ArchiverFactory{});
  control(sys, scheduler, "status");  // answered once start-up (recovery) is over
  double recover_s = open_s + seconds_since(t2);
  auto t3 = clk::now();
  while (store->counters().by_state.done < static_cast<std::size_t>(jobs))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  double dispatch_s = seconds_since(t3);
  const double rss_mib = peak_rss_kib() / 1024.0;
  auto verdict = [](bool ok) { return ok ? "meets" : "MISSES"; };
  std::printf("scale: %d jobs, %d slots, no-op converter (full lease protocol), group commit (one fsync per burst)\n",
              jobs, slots);
  std::printf("  enqueue:  %.1f s  (%.0f jobs/s; goal >= 5000: %s)\n", enqueue_s, jobs / enqueue_s,
              verdict(jobs / enqueue_s >= 5000));
  std::printf("  restart:  %.2f s  (open %.2f s + recovery of %d queued jobs; goal <= 2 s at 100,000: %s)\n", recover_s,
              open_s, jobs, jobs < 100000 ? "n/a (fewer jobs)" : verdict(recover_s <= 2.0));
  std::printf("  dispatch: %.1f s  (%.0f jobs/s, claim + reserve + publish + done per job; goal >= 5000: %s)\n",
              dispatch_s, jobs / dispatch_s, verdict(jobs / dispatch_s >= 5000));
  std::printf("  peak RSS: %.1f MiB (goal <= 200 MiB at 100,000 queued: %s); RocksDB after enqueue: %.1f MiB (%.0f bytes/job)\n",
              rss_mib, jobs < 100000 ? "n/a (fewer jobs)" : verdict(rss_mib <= 200), db_bytes / 1048576.0,
              static_cast<double>(db_bytes) / jobs);
  wait_down(sys, scheduler);
  return 0;
}

int hash(const fs::path& file, const std::string& only) {
  const double mb = static_cast<double>(fs::file_size(file)) / 1e6;
  for (DedupMethod m : {DedupMethod::Md5, DedupMethod::Xxh128}) {
    if (!only.empty() && only != to_string(m)) continue;
    auto t0 = clk::now();
    std::string key = dedup_key(file, m);
    double s = seconds_since(t0);
    std::printf("hash: %-7s %8.1f MB/s  (%.2f s)  %s\n", to_string(m), mb / s, s, key.c_str());
  }
  return 0;
}

int arg_int(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return std::stoi(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: daemon_bench ingest DIR [--files N] | scale DIR [--jobs N] [--slots N] | hash FILE\n");
    return 2;
  }
  std::string mode = argv[1];
  if (mode == "ingest") return ingest(argv[2], arg_int(argc, argv, "--files", 1000));
  if (mode == "scale") return scale(argv[2], arg_int(argc, argv, "--jobs", 100000), arg_int(argc, argv, "--slots", 2));
  if (mode == "hash") return hash(argv[2], argc > 3 ? argv[3] : "");
  std::fprintf(stderr, "daemon_bench: unknown mode %s\n", mode.c_str());
  return 2;
}
