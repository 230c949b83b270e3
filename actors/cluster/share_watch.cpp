#include "actors/cluster/share_watch.hpp"

#include <string>

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

}  // namespace h2k
