#pragma once
// The stats tests' shared script: a day in the daemon's life, as the
// scheduler would report it, and the moment it is looked at.
#include <cstdint>
#include <string>

#include "actors/stats/stats_model.hpp"
#include "messages/messages.hpp"
#include "messages/node_messages.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k::test {

inline constexpr std::int64_t kStart = 1795334400000;   // 2026-11-22T08:00:00Z
inline constexpr std::int64_t kNow = kStart + 1800000;  // half an hour later
inline constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;

inline std::int64_t at(int seconds) { return kStart + std::int64_t{seconds} * 1000; }

inline msg::job_event event(const std::string& kind, const std::string& id, const std::string& file,
                            const std::string& type, std::int64_t at_ms) {
  msg::job_event e;
  e.kind = kind;
  e.job_id = id;
  e.filename = file;
  e.file_type = type;
  e.at_ms = at_ms;
  return e;
}

inline void run_job(StatsModel& m, const std::string& id, const std::string& file, const std::string& type,
                    std::uint64_t size, int start_s, double duration_s, std::uint64_t bytes_out) {
  auto s = event("started", id, file, type, at(start_s));
  s.file_size = size;
  s.attempt = 1;
  BOOST_REQUIRE(m.on_event(s));
  auto d = event("succeeded", id, file, type, at(start_s) + static_cast<std::int64_t>(duration_s * 1000));
  d.attempt = 1;
  d.duration_s = duration_s;
  d.bytes_converted = bytes_out;
  d.output_path = "2026-11-22/" + id;
  BOOST_REQUIRE(m.on_event(d));
}

// 3 successes (1 ova of 100 s, 2 vmdk of 400 s and 25 s), one vhdx that fails
// for good after 2 retries, one duplicate, and a 50 GiB ova being copied
// right now. Queue: 2 queued, 1 waiting for a retry, 1 running.
inline void play_script(StatsModel& m) {
  auto q = event("queued", "j1", "web01.ova", "ova", at(0));
  BOOST_REQUIRE(m.on_event(q));
  run_job(m, "j1", "web01.ova", "ova", 2 * kGiB, 60, 100, 1'000'000'000);
  run_job(m, "j2", "db01.vmdk", "vmdk", 10 * kGiB, 200, 400, 5'000'000'000);
  run_job(m, "j3", "app.vmdk", "vmdk", 1 * kGiB, 700, 25, 200'000'000);

  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto s = event("started", "j4", "bad.vhdx", "vhdx", at(800 + attempt * 60));
    s.attempt = attempt;
    s.file_size = kGiB;
    BOOST_REQUIRE(m.on_event(s));
    auto f = event(attempt < 3 ? "retry_scheduled" : "failed", "j4", "bad.vhdx", "vhdx", at(805 + attempt * 60));
    f.attempt = attempt;
    f.max_retries = 2;
    f.duration_s = 5;
    f.error = "bad.vhdx: VHDX header checksum mismatch";
    if (attempt < 3) f.next_retry_at_ms = at(860 + attempt * 60);
    BOOST_REQUIRE(m.on_event(f));
  }

  auto dup = event("duplicate", "j5", "web01-copy.ova", "ova", at(1000));
  dup.output_path = "2026-11-22/j1";
  BOOST_REQUIRE(m.on_event(dup));

  auto big = event("started", "j6", "big.ova", "ova", at(1100));
  big.file_size = 50 * kGiB;
  big.attempt = 1;
  BOOST_REQUIRE(m.on_event(big));
  msg::job_progress p;
  p.job_id = "j6";
  p.phase = "copy";
  p.percent = 42.46;
  p.bytes_done = 20 * kGiB;
  p.bytes_total = 48 * kGiB;
  p.eta_s = 300.4;
  m.on_progress(p);

  m.on_queue(msg::queue_state{2, 1, 1, "running"});
}

// Cluster mode, a minute into the script: the coordinator, conv-01 lost
// (silent for 12.5 s; its 2 jobs were taken away, no slots left) and conv-02
// draining with 1 of its 4 slots busy.
inline msg::node_summary node(const std::string& name, std::vector<std::string> roles, bool up, bool draining,
                              std::uint32_t total, std::uint32_t busy, std::uint64_t done, std::uint64_t lost,
                              std::int64_t age_ms, const std::string& accel) {
  msg::node_summary n;
  n.name = name;
  n.roles = std::move(roles);
  n.up = up;
  n.draining = draining;
  n.slots_total = total;
  n.slots_busy = busy;
  n.jobs_done = done;
  n.jobs_lost = lost;
  n.heartbeat_age_ms = age_ms;
  n.accel = accel;
  return n;
}

inline msg::cluster_state two_converters() {
  msg::cluster_state c;
  c.nodes.push_back(node("conv-01", {"converter"}, false, false, 0, 0, 7, 2, 12500, "kvm"));
  c.nodes.push_back(node("conv-02", {"converter", "watcher"}, true, true, 4, 1, 3, 0, 1500, "tcg"));
  c.nodes.back().share_problem = "/mnt/h2k/.hyper2kvm-share is missing";
  return c;
}

}  // namespace h2k::test
