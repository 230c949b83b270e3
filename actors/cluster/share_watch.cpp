#include "actors/cluster/share_watch.hpp"

#include <string>

#include "engine/core/error.hpp"

namespace h2k {

std::optional<std::uint64_t> ShareWatch::start(std::int64_t now_ms) {
  if (in_flight_) return std::nullopt;
  in_flight_ = true;
  sent_ms_ = now_ms;
  return ++started_;
}

void ShareWatch::answered(std::uint64_t probe, msg::share_view seen) {
  if (probe == started_) in_flight_ = false;
  if (probe <= answered_) return;
  answered_ = probe;
  seen_ = std::move(seen);
}

bool ShareWatch::overdue(std::int64_t now_ms) const { return in_flight_ && now_ms - sent_ms_ >= timeout_ms_; }

msg::share_view ShareWatch::current(std::int64_t now_ms) const {
  if (!overdue(now_ms)) return seen_;
  return msg::share_view{seen_.id, "cluster.share_root did not answer a read of its marker for " +
                                       std::to_string((now_ms - sent_ms_) / 1000) + " s (a hung mount?)"};
}

bool OutcomesAwaitingShare::must_wait(const msg::job_outcome& o) {
  return o.status == "failed" && o.error_kind != to_string(ErrorKind::MissingCapability);
}

std::vector<msg::job_outcome> OutcomesAwaitingShare::take_judged(const ShareWatch& watch, std::int64_t now_ms) {
  const bool all = watch.overdue(now_ms);
  std::vector<msg::job_outcome> ready;
  for (auto it = held_.begin(); it != held_.end();) {
    if (!all && it->first > watch.last_answered()) {
      ++it;
      continue;
    }
    ready.push_back(std::move(it->second));
    it = held_.erase(it);
  }
  return ready;
}

std::vector<IntakeAwaitingShare::Report> IntakeAwaitingShare::take_released(const ShareWatch& watch, bool usable) {
  std::vector<Report> ready;
  if (!usable) return ready;
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->first > watch.last_answered()) {
      ++it;
      continue;
    }
    ready.push_back(std::move(it->second));
    it = held_.erase(it);
  }
  return ready;
}

bool IntakeAwaitingShare::needs_probe(const ShareWatch& watch) const {
  // The reads that will answer: up to the one in flight, if any.
  const std::uint64_t covered = watch.in_flight() ? watch.next_probe() - 1 : watch.last_answered();
  for (const auto& h : held_)
    if (h.first > covered) return true;
  return false;
}

}  // namespace h2k
