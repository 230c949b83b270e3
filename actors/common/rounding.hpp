#pragma once
// Numbers in the daemon's JSON files are for people first (stats.json,
// .error.json): sizes in MiB/GiB and percentages rounded to a few decimals,
// as the user guide shows them. Exact values go to metrics.prom instead.
#include <cmath>
#include <cstdint>

namespace h2k {

inline double round_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

inline constexpr double kBytesPerMiB = 1024.0 * 1024.0;
inline constexpr double kBytesPerGiB = 1024.0 * 1024.0 * 1024.0;

// "file_size_mb" (binary megabytes, 1 decimal), as every daemon file writes it.
inline double size_mb(std::uint64_t bytes) { return round_to(static_cast<double>(bytes) / kBytesPerMiB, 1); }
// "..._gb" (binary gigabytes, 2 decimals).
inline double size_gb(std::uint64_t bytes) { return round_to(static_cast<double>(bytes) / kBytesPerGiB, 2); }

}  // namespace h2k
