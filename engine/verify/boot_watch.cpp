#include "engine/verify/boot_watch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace h2k {
namespace {

// The console and QMP are looked at this often; the subprocess loop calls
// tick() every ~200 ms.
constexpr auto kWorkInterval = std::chrono::milliseconds(500);
constexpr auto kProgressInterval = std::chrono::seconds(10);
constexpr auto kBlockstatsInterval = std::chrono::seconds(2);
constexpr auto kQmpRetry = std::chrono::milliseconds(500);

}  // namespace

const char* to_string(BootStop s) {
  switch (s) {
    case BootStop::Running: return "running";
    case BootStop::ConsoleEvidence: return "console_evidence";
    case BootStop::Timeout: return "timeout";
    case BootStop::SilentIdle: return "silent_idle";
  }
  return "running";
}

BootWatch::BootWatch(std::filesystem::path serial_log, std::filesystem::path qmp_socket, BootWatchTimings timings,
                     ProgressSink progress, std::string what_boots)
    : serial_log_(std::move(serial_log)),
      qmp_socket_(std::move(qmp_socket)),
      timings_(timings),
      progress_(std::move(progress)),
      what_boots_(std::move(what_boots)),
      start_(Clock::now()) {
  disk_ops_changed_ = start_;
  last_progress_ = start_;
}

BootWatch::~BootWatch() = default;

double BootWatch::seconds() const {
  return std::chrono::duration<double>(decided_at_.value_or(Clock::now()) - start_).count();
}

void BootWatch::read_console() {
  const int fd = ::open(serial_log_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // qemu has not created it yet
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(console_offset_));
    if (n <= 0) break;
    console_offset_ += static_cast<std::uint64_t>(n);
    console_grew_at_ = Clock::now();
    console_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
  ::close(fd);
}

void BootWatch::finish() {
  read_console();
  read_events();
}

void BootWatch::connect_qmp() {
  const auto now = Clock::now();
  if (qmp_ || now < next_qmp_attempt_) return;
  next_qmp_attempt_ = now + kQmpRetry;
  std::error_code ec;
  if (!std::filesystem::exists(qmp_socket_, ec)) return;
  try {
    qmp_ = std::make_unique<QmpClient>(qmp_socket_, std::chrono::seconds(2));
  } catch (const std::exception&) {
    // qemu is still setting up: try again shortly.
  }
}

void BootWatch::read_events() {
  if (!qmp_) return;
  for (const auto& e : qmp_->take_events()) {
    const std::string name = e.value("event", std::string());
    const auto data = e.value("data", nlohmann::json::object());
    if (name == "SHUTDOWN" && data.value("guest", false)) guest_shutdown_ = true;
    if (name == "RESET" && data.value("guest", false)) ++reboots_;
  }
}

bool BootWatch::disks_idle(Clock::time_point now) {
  if (!qmp_ || !qmp_->connected()) return false;
  if (now >= next_blockstats_) {
    next_blockstats_ = now + kBlockstatsInterval;
    try {
      std::uint64_t ops = 0;
      for (const auto& dev : qmp_->execute("query-blockstats")) {
        const auto& st = dev.at("stats");
        ops += st.value("rd_operations", std::uint64_t{0}) + st.value("wr_operations", std::uint64_t{0}) +
               st.value("flush_operations", std::uint64_t{0});
      }
      if (!disk_ops_ || *disk_ops_ != ops) {
        disk_ops_ = ops;
        disk_ops_changed_ = now;
      }
    } catch (const std::exception&) {
      return false;
    }
  }
  return disk_ops_ && now - disk_ops_changed_ >= timings_.idle_window;
}

bool BootWatch::begin_stop(BootStop why, std::chrono::seconds grace, bool power_off) {
  stop_ = why;
  decided_at_ = Clock::now();
  if (!qmp_ || !qmp_->connected()) return false;  // no way to ask: stop it hard
  if (!power_off) {
    try {
      qmp_->execute("quit");
      quit_sent_ = true;
      stop_deadline_ = Clock::now() + timings_.quit_grace;
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
  try {
    qmp_->execute("system_powerdown");
    powerdown_sent_ = true;
    stop_deadline_ = Clock::now() + grace;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool BootWatch::continue_stop(Clock::time_point now) {
  if (lingering_) {
    // What follows a fatal line (the rescue shell's banner and prompt, a
    // panic's trace) is what an operator reads first: wait for the console
    // to settle. Nothing is written meanwhile that matters: the overlays
    // are thrown away.
    const bool settled = console_.at_rescue_prompt() || now - console_grew_at_ >= timings_.fatal_quiet;
    if (!settled && now < stop_deadline_) return true;
    lingering_ = false;
    stop_deadline_ = now;
  }
  if (now < stop_deadline_) return true;
  if (!quit_sent_ && qmp_ && qmp_->connected()) {
    // The guest ignored the power button: end qemu itself (cleanly: the
    // overlays are flushed, so what the guest synced can still be read).
    try {
      qmp_->execute("quit");
      quit_sent_ = true;
      stop_deadline_ = now + timings_.quit_grace;
      return true;
    } catch (const std::exception&) {
    }
  }
  return false;
}

void BootWatch::report_progress(Clock::time_point now) {
  if (!progress_ || now - last_progress_ < kProgressInterval) return;
  last_progress_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  ProgressEvent ev;
  ev.phase = "verify";
  ev.percent = std::min(99.0, 100.0 * elapsed / static_cast<double>(timings_.timeout.count()));
  char buf[64];
  std::snprintf(buf, sizeof buf, ", %.0f s of at most %lld s", elapsed, static_cast<long long>(timings_.timeout.count()));
  ev.message = what_boots_ + (stop_ == BootStop::Running ? std::string(buf)
                              : lingering_                 ? std::string(": failed, reading the rest of its console")
                                                           : std::string(": stopping it"));
  progress_(ev);
}

bool BootWatch::tick() {
  const auto now = Clock::now();
  if (now - last_work_ < kWorkInterval) return true;
  last_work_ = now;
  read_console();
  connect_qmp();
  read_events();
  report_progress(now);
  if (stop_ != BootStop::Running) return continue_stop(now);

  const BootEvidence evidence = console_.evidence();
  switch (evidence.signal) {
    case BootSignal::Success:
      if (!success_seen_at_) success_seen_at_ = now;
      if (console_.success_confirmed() || now - *success_seen_at_ >= kConfirmTime || now - start_ >= timings_.timeout) {
        decided_evidence_ = evidence;
        return begin_stop(BootStop::ConsoleEvidence, timings_.success_grace, /*power_off=*/true);
      }
      return true;
    case BootSignal::Fatal:
      // Nothing to save (the overlays are thrown away): no power-off, only
      // the rest of the console, then quit (continue_stop).
      decided_evidence_ = evidence;
      stop_ = BootStop::ConsoleEvidence;
      decided_at_ = now;
      lingering_ = true;
      stop_deadline_ = now + timings_.fatal_linger;
      return true;
    case BootSignal::None:
      break;
  }
  if (now - start_ >= timings_.timeout)
    return begin_stop(BootStop::Timeout, timings_.shutdown_grace, /*power_off=*/true);
  if (!console_.os_output() && now - start_ >= timings_.silent_settle && disks_idle(now))
    return begin_stop(BootStop::SilentIdle, timings_.shutdown_grace, /*power_off=*/true);
  return true;
}

}  // namespace h2k
