#pragma once
// Durations of successful conversions in fixed buckets, kept in stats.json so
// the Prometheus histogram (a counter) does not fall back to zero when the
// daemon restarts.
#include <array>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace h2k {

class DurationHistogram {
public:
  // Upper bounds in seconds, from 30 s to 4 h; an implicit +Inf bucket follows.
  static constexpr std::array<double, 10> kBounds{30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400};

  void observe(double seconds);

  // Observations <= kBounds[i] (i < kBounds.size()) or all of them
  // (i == kBounds.size(), the +Inf bucket): Prometheus "le" semantics.
  std::uint64_t cumulative(std::size_t i) const;
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

  // {"buckets": [30, ..., 14400], "counts": [per bucket, NOT cumulative,
  //  one more than buckets: the last counts those above 14400], "sum", "count"}
  nlohmann::json to_json() const;
  // Reads to_json()'s form. Saved with other bounds (a future version), each
  // saved bucket's count moves to the first of ours at least as wide, so
  // every "le" stays an upper bound. Throws std::invalid_argument naming the
  // field that is malformed.
  static DurationHistogram from_json(const nlohmann::json& j);

private:
  std::array<std::uint64_t, kBounds.size() + 1> counts_{};  // per bucket, last = above all bounds
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace h2k
