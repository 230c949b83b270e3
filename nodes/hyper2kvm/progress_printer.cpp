#include "nodes/hyper2kvm/progress_printer.hpp"

#include <unistd.h>

#include <cmath>

namespace h2k::cli {

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

std::string human_duration(double s) {
  if (s < 0 || !std::isfinite(s)) return "--:--";
  long t = std::lround(s);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", t / 60, t % 60);
  return buf;
}

ProgressPrinter::ProgressPrinter(std::FILE* out, bool quiet)
    : out_(out), quiet_(quiet), tty_(::isatty(::fileno(out)) == 1), start_(std::chrono::steady_clock::now()) {}

void ProgressPrinter::operator()(const ProgressEvent& ev) {
  if (quiet_) return;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string line = "[" + human_duration(elapsed) + "] " + ev.phase;
  if (!ev.item.empty()) line += " " + ev.item;
  bool has_bytes = ev.bytes_total > 0;
  if (has_bytes) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " %5.1f%%", ev.percent);
    line += pct;
    line += " " + human_bytes(static_cast<double>(ev.bytes_done)) + "/" + human_bytes(static_cast<double>(ev.bytes_total));
    if (ev.rate_bytes_per_s > 0) line += " " + human_bytes(ev.rate_bytes_per_s) + "/s";
    if (ev.eta_s >= 0) line += " ETA " + human_duration(ev.eta_s);
  }
  if (!ev.message.empty()) line += " - " + ev.message;

  if (tty_) {
    // Redraw bar-like updates in place; messages get their own line.
    if (line_open_) std::fputs("\r\033[K", out_);
    std::fputs(line.c_str(), out_);
    line_open_ = has_bytes;
    if (!has_bytes) std::fputc('\n', out_);
    std::fflush(out_);
    return;
  }
  // Non-TTY: one line per new message, phase, or 10 % step.
  int decile = has_bytes ? static_cast<int>(ev.percent / 10) : -1;
  if (ev.phase == last_phase_ && ev.message == last_message_ && decile == last_decile_) return;
  last_phase_ = ev.phase;
  last_message_ = ev.message;
  last_decile_ = decile;
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void ProgressPrinter::finish() {
  if (tty_ && line_open_) {
    std::fputc('\n', out_);
    line_open_ = false;
  }
}

}  // namespace h2k::cli
