#include "engine/copy/copy_progress.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace h2k {

std::optional<double> parse_qemu_progress(std::string_view line) {
  auto open = line.rfind('(');
  if (open == std::string_view::npos) return std::nullopt;
  auto tail = line.substr(open + 1);
  auto slash = tail.find("/100%)");
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  auto number = tail.substr(0, slash);
  // from_chars for double is locale-independent (qemu prints a '.' always).
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size() || !std::isfinite(value)) return std::nullopt;
  if (value < 0 || value > 100) return std::nullopt;
  return value;
}

CopyProgressReporter::CopyProgressReporter(ProgressSink sink, std::string item, std::uint64_t total_bytes,
                                           Clock::time_point start, Clock::duration min_interval)
    : sink_(std::move(sink)), item_(std::move(item)), total_bytes_(total_bytes), start_(start),
      min_interval_(min_interval) {}

void CopyProgressReporter::update(double percent, Clock::time_point now) {
  percent = std::clamp(percent, 0.0, 100.0);
  if (percent < last_percent_) return;
  last_percent_ = percent;
  const bool first = events_sent_ == 0;
  const bool done = percent >= 100.0 && last_emitted_ < 100.0;
  const bool due = now - last_emit_ >= min_interval_ && percent > last_emitted_;
  if (first || done || due) emit(percent, now);
}

void CopyProgressReporter::finish(Clock::time_point now) {
  last_percent_ = 100.0;
  if (last_emitted_ < 100.0) emit(100.0, now);
}

void CopyProgressReporter::emit(double percent, Clock::time_point now) {
  last_emit_ = now;
  last_emitted_ = percent;
  ++events_sent_;
  if (!sink_) return;
  ProgressEvent ev;
  ev.phase = "copy";
  ev.item = item_;
  ev.percent = percent;
  ev.bytes_total = total_bytes_;
  ev.bytes_done = static_cast<std::uint64_t>(std::llround(static_cast<double>(total_bytes_) * percent / 100.0));
  if (ev.bytes_done > total_bytes_) ev.bytes_done = total_bytes_;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed > 0) ev.rate_bytes_per_s = static_cast<double>(ev.bytes_done) / elapsed;
  if (percent >= 100.0)
    ev.eta_s = 0;
  else if (ev.rate_bytes_per_s > 0)
    ev.eta_s = static_cast<double>(total_bytes_ - ev.bytes_done) / ev.rate_bytes_per_s;
  sink_(ev);
}

}  // namespace h2k
