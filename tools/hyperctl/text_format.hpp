#pragma once
// Text formatting shared by hyperctl's human views: sizes, rates,
// durations, percentages, the text progress bar and aligned tables.
#include <string>
#include <vector>

namespace h2k::hyperctl {

// 1536 -> "1.5 KiB", 0 -> "0 B" (binary units, as `hyper2kvm convert` prints).
std::string format_bytes(double bytes);
// 65 -> "1m05s", 7380 -> "2h03m", 9 -> "9s"; negative or not finite -> "?".
std::string format_duration(double seconds);
// 45.24 -> "45.2%"
std::string format_percent(double percent);
// [#########-----------] for 45.2 % at width 20; the percent is clamped to 0..100.
std::string progress_bar(double percent, int width = 20);
// Pads with spaces on the right to `width` (no-op when already longer).
std::string pad_right(const std::string& text, std::size_t width);
// Rows (the first one the header) as columns separated by two spaces, each
// line prefixed with `indent`; trailing spaces trimmed.
std::string format_table(const std::vector<std::vector<std::string>>& rows, const std::string& indent = "");

}  // namespace h2k::hyperctl
