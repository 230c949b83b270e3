#pragma once
// Helpers for the JobScheduler tests: a daemon-like setup (a real watch
// folder, output folder and RocksDB JobStore in a scratch folder), what the
// watcher and a converter would send, and control commands whose replies are
// checked to be JSON objects carrying "ok". The clock is explicit: every call
// takes the "now" the test chooses, so nothing sleeps.
#include <boost/test/unit_test.hpp>

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/scheduler/job_scheduler.hpp"
#include "storage/job_store.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k::scheduler_test {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace test;

// 2023-11-14T22:13:20Z: the tests' clock starts here and moves only when a test says so.
constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::int64_t kSecond = 1'000;
constexpr std::int64_t kMinute = 60 * kSecond;

// "YYYY-MM-DD" in local time, computed here (not with the scheduler's helper)
// so the tests check the folder name an operator browses.
inline std::string local_date(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Silent unless H2K_TEST_LOG is set (then the scheduler's log goes to stderr,
// to see why a test failed).
inline std::shared_ptr<spdlog::logger> quiet_logger() {
  if (std::getenv("H2K_TEST_LOG"))
    return std::make_shared<spdlog::logger>("scheduler-test", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  return std::make_shared<spdlog::logger>("scheduler-test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// A control reply, parsed. Every reply must be a JSON object whose "ok"
// matches the reply's flag (hyperctl reads the body, not the flag).
struct Reply {
  bool ok = false;
  json body;
  std::string error() const { return body.value("error", std::string()); }
};

inline std::vector<std::string> kinds(const SchedulerEffects& fx) {
  std::vector<std::string> out;
  for (const auto& e : fx.events) out.push_back(e.kind);
  return out;
}

inline std::vector<std::string> kinds_of(std::initializer_list<const char*> names) {
  return std::vector<std::string>(names.begin(), names.end());
}

// The first event of `kind`; fails the test when there is none.
inline msg::job_event event_of(const SchedulerEffects& fx, const std::string& kind) {
  for (const auto& e : fx.events)
    if (e.kind == kind) return e;
  BOOST_FAIL("no '" << kind << "' event among " << fx.events.size() << " event(s)");
  return {};
}

inline std::vector<std::string> assigned_ids(const SchedulerEffects& fx) {
  std::vector<std::string> out;
  for (const auto& a : fx.assignments) out.push_back(a.second.job_id);
  return out;
}

inline std::vector<std::string> strings_of(const json& array) {
  std::vector<std::string> out;
  for (const auto& s : array) out.push_back(s.get<std::string>());
  return out;
}

// The daemon's pieces around one JobScheduler. Change `settings` before boot().
struct Daemon {
  ScratchDir dir{"sched"};
  fs::path watch = dir / "queue";
  fs::path out = dir / "output";
  fs::path db = dir / "state" / "jobs.rocksdb";
  SchedulerSettings settings;
  std::shared_ptr<JobStore> store;
  std::unique_ptr<JobScheduler> sched;

  explicit Daemon(std::size_t slots = 2) {
    fs::create_directories(watch);
    fs::create_directories(out);
    settings.watch_root = watch;
    settings.output_root = out;
    settings.slots = slots;
    settings.retry.enabled = true;
    settings.retry.max_retries = 2;
    settings.retry.retry_delay = std::chrono::minutes(1);
    settings.retry.backoff_multiplier = 2.0;
    settings.version = "9.9.9-test";
    settings.started_at_ms = kT0;
  }

  // Opens the store and starts a scheduler on it (the daemon's start-up).
  SchedulerEffects boot(std::int64_t now_ms = kT0) {
    store = std::make_shared<JobStore>(db, JobStoreOptions{false});
    sched = std::make_unique<JobScheduler>(settings, store, quiet_logger());
    return sched->start(now_ms);
  }

  // The process ends without telling anyone (crash, kill -9, or after stop):
  // the scheduler's memory is gone, the database stays; then a new start.
  SchedulerEffects restart(std::int64_t now_ms) {
    sched.reset();
    store.reset();  // releases the RocksDB lock, as the process exit would
    return boot(now_ms);
  }

  // Puts a file into the watch folder and returns what the watcher reports for it.
  msg::vm_found drop(const std::string& name, const std::string& content = "vm bytes",
                     const std::string& priority = "normal", const std::string& dedup_key = "") {
    write_file(watch / name, content);
    msg::vm_found vm;
    vm.sources = {name};
    vm.file_type = fs::path(name).extension().string().substr(1);
    vm.total_bytes = content.size();
    vm.dedup_key = dedup_key;
    vm.priority = priority;
    return vm;
  }

  // Drops `name` and reports it; requires that it became a job and returns its id.
  std::string found(const std::string& name, std::int64_t now_ms, const std::string& priority = "normal",
                    const std::string& dedup_key = "", SchedulerEffects* fx_out = nullptr) {
    auto fx = sched->on_found(drop(name, "bytes of " + name, priority, dedup_key), now_ms);
    BOOST_TEST_REQUIRE(!fx.events.empty(), "no event for " << name);
    BOOST_TEST_REQUIRE(fx.events.front().kind == "queued");
    if (fx_out) *fx_out = fx;
    return fx.events.front().job_id;
  }

  Reply control(const std::string& command, const json& args, std::int64_t now_ms, SchedulerEffects& fx) {
    msg::control_command c{command, args.dump()};
    msg::control_reply r = sched->on_control(c, now_ms, fx);
    Reply reply;
    reply.ok = r.ok;
    reply.body = json::parse(r.body_json, nullptr, false);
    BOOST_TEST_REQUIRE(reply.body.is_object(), command << ": reply is not a JSON object: " << r.body_json);
    BOOST_TEST_REQUIRE(reply.body.contains("ok"), command << ": reply lacks \"ok\": " << r.body_json);
    BOOST_TEST(reply.body["ok"] == json(r.ok), command << ": \"ok\" disagrees with the reply flag: " << r.body_json);
    return reply;
  }
  Reply control(const std::string& command, const json& args = json::object(), std::int64_t now_ms = kT0) {
    SchedulerEffects fx;
    return control(command, args, now_ms, fx);
  }

  Job job(const std::string& id) const {
    auto j = store->get(id);
    BOOST_TEST_REQUIRE(j.has_value(), "job " << id << " is not in the store");
    return *j;
  }
  JobState state_of(const std::string& id) const { return job(id).state; }

  // --- the converter's side of the lease protocol ----------------------
  // (job_id, epoch, holder) of a job the scheduler has leased to a slot.
  struct Lease {
    std::uint64_t epoch = 0;
    std::string holder;
  };
  Lease lease(const std::string& id) const {
    const Job j = job(id);
    BOOST_TEST_REQUIRE(j.state == JobState::Running, "job " << id << " is " << to_string(j.state) << ", not running");
    BOOST_TEST_REQUIRE(!j.holder.empty(), "running job " << id << " has no holder");
    return {j.epoch, j.holder};
  }
  // `o` as the converter holding the job's current lease sends it.
  // What an exporter holding the job's lease writes into the queue and reports.
  msg::job_outcome exported(const std::string& id, const std::string& vm) const {
    const Lease l = lease(id);
    const std::string folder = ".exports/" + id + "-e" + std::to_string(l.epoch);
    write_file(watch / folder / vm / "manifest.json", "{}");
    write_file(watch / folder / vm / "disk-0.vmdk", "disk bytes");
    msg::job_outcome o;
    o.job_id = id;
    o.epoch = l.epoch;
    o.holder = l.holder;
    o.status = "exported";
    o.output_path = folder;
    o.files = {folder + "/" + vm + "/manifest.json", folder + "/" + vm + "/disk-0.vmdk"};
    return o;
  }

  msg::job_outcome from_lease(msg::job_outcome o) const {
    const Lease l = lease(o.job_id);
    o.epoch = l.epoch;
    o.holder = l.holder;
    return o;
  }
  msg::job_progress progress(const std::string& id, const std::string& phase, double percent) const {
    const Lease l = lease(id);
    msg::job_progress p;
    p.job_id = id;
    p.epoch = l.epoch;
    p.holder = l.holder;
    p.phase = phase;
    p.percent = percent;
    return p;
  }
  // What the scheduler actor does once the group commit made the effects'
  // state durable: sync, then move the sources of the jobs marked done.
  SchedulerEffects commit(SchedulerEffects fx) {
    store->sync();
    sched->remove_waiting_staging();
    if (archive_on_commit) sched->archive_pending_sources(fx.archives);
    return fx;
  }
  // false: done jobs wait for the test to play the archiver (archive_requests,
  // archive_job_sources, on_archived), as the actor does across threads.
  bool archive_on_commit = true;
  // Reports an outcome from the job's current lease (a failure, a cancel),
  // then commits its effects.
  SchedulerEffects report(const msg::job_outcome& o, std::int64_t now_ms) {
    return commit(sched->on_outcome(from_lease(o), now_ms));
  }

  // The output folder the converter gets for the job's lease (job_planned),
  // under the date folder of its assignment; "" = refused.
  std::string plan(const std::string& id, const std::string& vm_name, std::int64_t now_ms,
                   SchedulerEffects* fx_out = nullptr) {
    const Lease l = lease(id);
    SchedulerEffects fx;
    std::string folder =
        sched->on_planned({id, l.epoch, l.holder, local_date(job(id).started_at), vm_name, ""}, now_ms, fx).output_folder;
    if (fx_out) *fx_out = fx;
    return folder;
  }
  // The VM name a converter would report: the primary source's stem.
  std::string vm_name_of(const std::string& id) const {
    const Job j = job(id);
    return j.sources.empty() ? id : j.sources.front().stem().string();
  }

  // A whole successful run of a leased (running) job, as the real converter
  // does it: job_planned (the scheduler reserves the folder) -> publish_request
  // (fenced: recorded before the rename) -> the folder renamed into place ->
  // job_outcome "succeeded", all with the job's current epoch and holder.
  // Returns the effects of the outcome; `folder_out` gets the published
  // folder (relative to the output root).
  SchedulerEffects succeed(const std::string& id, std::int64_t now_ms, const std::string& vm_name = "",
                           double duration_s = 12.5, std::uint64_t bytes = 4096, std::string* folder_out = nullptr) {
    const Lease l = lease(id);
    const std::string folder = plan(id, vm_name.empty() ? vm_name_of(id) : vm_name, now_ms);
    BOOST_TEST_REQUIRE(!folder.empty(), "job " << id << ": no output folder reserved");
    BOOST_TEST_REQUIRE(job(id).output_path == fs::path(folder), "the reservation is in the store");
    SchedulerEffects pub_fx;
    BOOST_TEST_REQUIRE(sched->on_publish({id, l.epoch, l.holder}, now_ms, pub_fx), "job " << id << ": publish refused");
    BOOST_TEST_REQUIRE(job(id).publishing_epoch == l.epoch, "the publish permission is in the store");
    write_file(out / folder / "disk.qcow2", "converted " + id);
    msg::job_outcome o;
    o.job_id = id;
    o.epoch = l.epoch;
    o.holder = l.holder;
    o.status = "succeeded";
    o.output_path = folder;
    o.duration_s = duration_s;
    o.bytes_converted = bytes;
    if (folder_out) *folder_out = folder;
    return commit(sched->on_outcome(o, now_ms));
  }
};

inline msg::job_outcome succeeded(const std::string& id, const std::string& output_path, double duration_s = 12.5,
                                  std::uint64_t bytes = 4096) {
  msg::job_outcome o;
  o.job_id = id;
  o.status = "succeeded";
  o.output_path = output_path;
  o.duration_s = duration_s;
  o.bytes_converted = bytes;
  return o;
}

inline msg::job_outcome failed(const std::string& id, const std::string& error_kind,
                               const std::string& error = "cannot read the disk: Input/output error") {
  msg::job_outcome o;
  o.job_id = id;
  o.status = "failed";
  o.error_kind = error_kind;
  o.error = error;
  o.phase = "copy";
  o.log_tail = {"copying disk 1 of 1", "read error at offset 1048576"};
  o.duration_s = 3;
  return o;
}

inline msg::job_outcome cancelled(const std::string& id) {
  msg::job_outcome o;
  o.job_id = id;
  o.status = "cancelled";
  o.error_kind = "cancelled";
  o.error = "cancelled by the operator";
  return o;
}

// What the engine writes into a published folder: its report names the
// attempt that renamed it into place.
inline void write_published(const fs::path& folder, const std::string& tag) {
  write_file(folder / "disk.qcow2", "converted");
  write_file(folder / "report.json", R"({"status": "success", "request": {"staging_tag": ")" + tag + R"("}})");
}

inline json read_json(const fs::path& p) {
  json j = json::parse(read_file(p), nullptr, false);
  BOOST_TEST_REQUIRE(!j.is_discarded(), p << " is not JSON");
  return j;
}

}  // namespace h2k::scheduler_test
