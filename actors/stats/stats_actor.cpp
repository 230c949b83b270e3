#include "actors/stats/stats_actor.hpp"

#include "actors/common/iso_time.hpp"

#include <chrono>

#include <caf/all.hpp>

#include "actors/stats/stats_files.hpp"

namespace h2k {

namespace {


using self_ptr = msg::stats_actor::stateful_pointer<stats_state>;

// stats.json is small; writing it is a few hundred microseconds, fine on an
// actor thread at this rate.
void write_now(self_ptr self) {
  auto& st = self->state;
  try {
    const auto now = unix_now_ms();
    write_stats_files(st.dir, st.model->to_json(now), st.model->prometheus(now));
    st.dirty = false;
  } catch (const std::exception& e) {
    st.log->error("cannot write statistics: {}", e.what());
  }
}

// Job events come in bursts (1,000 files dropped at once): write at most
// once a second, but always soon after the last event.
void mark_dirty(self_ptr self) {
  auto& st = self->state;
  st.dirty = true;
  if (st.write_scheduled) return;
  st.write_scheduled = true;
  self->delayed_send(self, std::chrono::seconds(1), msg::save_atom::value);
}

}  // namespace

msg::stats_actor::behavior_type stats_actor_fn(self_ptr self, std::filesystem::path state_dir,
                                               std::shared_ptr<spdlog::logger> log, std::int64_t started_at_ms) {
  auto& st = self->state;
  st.dir = std::move(state_dir);
  st.log = std::move(log);
  st.model = std::make_unique<StatsModel>(started_at_ms);
  try {
    auto saved = load_stats_file(st.dir / "stats.json");
    if (!saved.empty()) {
      st.model->restore(saved);
      st.log->info("statistics restored from {}", (st.dir / "stats.json").string());
    }
  } catch (const std::exception& e) {
    st.log->error("ignoring the previous statistics: {}", e.what());
  }
  write_now(self);
  self->delayed_send(self, std::chrono::seconds(60), msg::tick_atom::value);
  return {
      [=](msg::job_events& batch) {
        for (const auto& e : batch.events)
          if (!self->state.model->on_event(e)) self->state.log->warn("stats: unknown job event kind '{}'", e.kind);
        mark_dirty(self);
      },
      [=](msg::cluster_state& c) {
        // Sent after every node change and once a second for the heartbeat
        // ages: only a change beyond the ages is worth a write; the ages
        // reach the disk with the next write (at the latest the 60 s tick)
        // and the `stats` command always has them fresh.
        if (self->state.model->on_cluster(c)) mark_dirty(self);
      },
      [=](msg::job_progress& p) { self->state.model->on_progress(p); },
      [=](msg::queue_state& q) {
        self->state.model->on_queue(q);
        mark_dirty(self);
      },
      [=](msg::tick_atom) {
        write_now(self);  // every 60 s: uptime and progress stay fresh on disk
        self->delayed_send(self, std::chrono::seconds(60), msg::tick_atom::value);
      },
      [=](msg::save_atom) {
        self->state.write_scheduled = false;
        if (self->state.dirty) write_now(self);
      },
      [=](msg::flush_atom) -> bool {
        write_now(self);
        return true;
      },
      [=](msg::control_command& c) -> msg::control_reply {
        auto args = nlohmann::json::parse(c.args_json.empty() ? "{}" : c.args_json, nullptr, false);
        const auto now = unix_now_ms();
        if (args.is_object() && args.value("format", std::string("json")) == "prometheus")
          return {true, nlohmann::json{{"ok", true}, {"metrics", self->state.model->prometheus(now)}}.dump()};
        return {true, nlohmann::json{{"ok", true}, {"stats", self->state.model->to_json(now)}}.dump()};
      },
  };
}

}  // namespace h2k
