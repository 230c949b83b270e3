#include "actors/common/iso_time.hpp"

#include <chrono>

#include <cstdio>
#include <ctime>

namespace h2k {
namespace {

// Floor division, so times before 1970 still print the right second.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::tm utc_tm(std::int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return tm;
}

}  // namespace

std::string iso8601_utc(std::int64_t unix_ms) {
  const std::int64_t secs = floor_div(unix_ms, 1000);
  const int ms = static_cast<int>(unix_ms - secs * 1000);
  const std::tm tm = utc_tm(secs);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string iso8601_utc_seconds(std::int64_t unix_ms) {
  const std::tm tm = utc_tm(floor_div(unix_ms, 1000));
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace h2k
