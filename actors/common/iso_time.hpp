#pragma once
// One way to write times in every daemon file (stats.json, .error.json,
// notifications): ISO 8601 in UTC with a "Z", so files from hosts in
// different time zones compare as text and sort in time order.
#include <cstdint>
#include <string>

namespace h2k {

// "2026-11-22T14:30:15.123Z" (milliseconds kept).
std::string iso8601_utc(std::int64_t unix_ms);

// "2026-11-22T14:30:15Z" (rounded down to the second), for times a person
// reads at a glance: daemon start, job start, next retry.
std::string iso8601_utc_seconds(std::int64_t unix_ms);

// Now, in unix milliseconds: the one clock job records, events and files use.
std::int64_t unix_now_ms();
// The monotonic clock in ms (intervals only: unaffected by clock steps).
std::int64_t steady_now_ms();

}  // namespace h2k
