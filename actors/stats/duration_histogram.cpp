#include "actors/stats/duration_histogram.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace h2k {
namespace {

std::size_t bucket_for(double upper_bound) {
  for (std::size_t i = 0; i < DurationHistogram::kBounds.size(); ++i)
    if (upper_bound <= DurationHistogram::kBounds[i]) return i;
  return DurationHistogram::kBounds.size();
}

std::uint64_t as_count(const nlohmann::json& v, const std::string& what) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    throw std::invalid_argument("duration_histogram." + what + " is not a non-negative integer");
  return v.get<std::uint64_t>();
}

}  // namespace

void DurationHistogram::observe(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;  // a clock step must not poison _sum
  ++counts_[bucket_for(seconds)];
  ++count_;
  sum_ += seconds;
}

std::uint64_t DurationHistogram::cumulative(std::size_t i) const {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k <= i && k < counts_.size(); ++k) n += counts_[k];
  return n;
}

nlohmann::json DurationHistogram::to_json() const {
  return {{"buckets", kBounds}, {"counts", counts_}, {"sum", sum_}, {"count", count_}};
}

DurationHistogram DurationHistogram::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("duration_histogram is not an object");
  DurationHistogram h;
  const auto& buckets = j.value("buckets", nlohmann::json::array());
  const auto& counts = j.value("counts", nlohmann::json::array());
  if (!buckets.is_array() || !counts.is_array()) throw std::invalid_argument("duration_histogram buckets/counts are not arrays");
  if (counts.size() != buckets.size() + 1)
    throw std::invalid_argument("duration_histogram has " + std::to_string(counts.size()) + " counts for " +
                                std::to_string(buckets.size()) + " buckets (expected one more)");
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double bound = std::numeric_limits<double>::infinity();
    if (i < buckets.size()) {
      if (!buckets[i].is_number()) throw std::invalid_argument("duration_histogram.buckets[" + std::to_string(i) + "] is not a number");
      bound = buckets[i].get<double>();
    }
    h.counts_[bucket_for(bound)] += as_count(counts[i], "counts[" + std::to_string(i) + "]");
  }
  std::uint64_t total = 0;
  for (auto c : h.counts_) total += c;
  h.count_ = j.contains("count") ? as_count(j["count"], "count") : total;
  if (h.count_ != total)
    throw std::invalid_argument("duration_histogram.count " + std::to_string(h.count_) + " differs from its buckets' " +
                                std::to_string(total));
  if (j.contains("sum")) {
    if (!j["sum"].is_number() || j["sum"].get<double>() < 0)
      throw std::invalid_argument("duration_histogram.sum is not a non-negative number");
    h.sum_ = j["sum"].get<double>();
  }
  return h;
}

}  // namespace h2k
