#pragma once
// How notifications write numbers, times and foreign text: sizes as "51.2GB",
// durations as "4m 32s", timestamps as ISO 8601 (webhooks) or RFC 5322
// (email Date:), and untrusted strings (file names, error text) made valid
// UTF-8, because JSON payloads and mail bodies declared utf-8 must be.
#include <cstdint>
#include <string>

namespace h2k::notify {

// Decimal units with one decimal, as the guide's examples pair them
// ("Size: 51.2GB" with "file_size_mb": 51200.0): 0 -> "0B", 1500 -> "1.5KB",
// 51'200'000'000 -> "51.2GB".
std::string human_size(std::uint64_t bytes);

// "45s", "4m 32s", "2h 05m"; negative or NaN -> "0s".
std::string human_duration(double seconds);

// Unix milliseconds as "2026-01-17T14:30:00Z" (UTC, whole seconds).
std::string iso8601_utc(std::int64_t unix_ms);

// Unix milliseconds as an RFC 5322 date, "Sat, 17 Jan 2026 14:30:00 +0000".
std::string rfc5322_date(std::int64_t unix_ms);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(const std::string& text);

// At most `max_bytes` bytes of `text`, cut at a character boundary, with
// "…" appended when something was cut (webhook services reject long fields).
std::string truncate_utf8(const std::string& text, std::size_t max_bytes);

}  // namespace h2k::notify
