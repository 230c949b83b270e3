#pragma once
// Watches a running verification boot (the keep_running callback of the
// qemu subprocess, called every ~200 ms): reads the serial console file as it
// grows, talks QMP, and decides when qemu should stop:
//   - console evidence (success or fatal): stop; after success the guest is
//     first asked to power off (ACPI) and given `success_grace`; after a
//     fatal line the console is read on until it waits at a rescue
//     shell's prompt or is quiet (`fatal_quiet`, at most `fatal_linger`),
//     so the report shows the prompt or the panic's trace that follows;
//   - a silent console (no OS output: the guest's console is on its screen):
//     after `silent_settle`, once its disks were idle for `idle_window`,
//     ask it to power off so its journal can be read;
//   - the timeout: ask it to power off (its journal may still tell).
// A stop is: system_powerdown, then QMP quit after the grace (qemu exits
// cleanly, the overlays flushed), then SIGKILL if even that did not work.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "engine/core/progress.hpp"
#include "engine/verify/boot_evidence.hpp"
#include "engine/verify/qmp_client.hpp"

namespace h2k {

struct BootWatchTimings {
  std::chrono::seconds timeout{300};
  std::chrono::seconds silent_settle{60};
  std::chrono::seconds idle_window{30};
  std::chrono::seconds success_grace{30};   // a clean power-off after success (TCG shuts down slowly)
  std::chrono::seconds shutdown_grace{90};  // before reading the journal: let journald flush it
  std::chrono::seconds quit_grace{10};      // QMP quit to process exit
  std::chrono::seconds fatal_quiet{5};      // after a fatal line: the console this long silent...
  std::chrono::seconds fatal_linger{15};    // ...or this long at most, then quit
};

// Why the watch asked qemu to stop (Running: it did not; qemu ended by itself).
enum class BootStop { Running, ConsoleEvidence, Timeout, SilentIdle };
const char* to_string(BootStop s);

class BootWatch {
public:
  BootWatch(std::filesystem::path serial_log, std::filesystem::path qmp_socket, BootWatchTimings timings,
            ProgressSink progress, std::string what_boots);
  ~BootWatch();

  // One step; false: kill qemu now.
  bool tick();
  // After qemu exited: reads what the console file and the QMP socket still hold.
  void finish();

  BootStop stop_reason() const { return stop_; }
  const ConsoleScan& console() const { return console_; }
  // The console's evidence as it was when the watch stopped the boot on it
  // (what the guest printed while powering off does not change it); the
  // console's evidence now when the guest ended the boot itself.
  BootEvidence evidence() const { return decided_evidence_ ? *decided_evidence_ : console_.evidence(); }
  // Seconds from the start to the decision (or to now while undecided).
  double seconds() const;
  // The guest powered off when asked (ACPI), or by itself.
  bool guest_powered_off() const { return guest_shutdown_; }
  bool powerdown_requested() const { return powerdown_sent_; }
  int guest_reboots() const { return reboots_; }
  bool qmp_connected() const { return qmp_ != nullptr; }

private:
  using Clock = std::chrono::steady_clock;
  void read_console();
  void connect_qmp();
  void read_events();
  bool disks_idle(Clock::time_point now);
  // Starts the stop sequence; returns false when qemu must be killed at once.
  bool begin_stop(BootStop why, std::chrono::seconds grace, bool power_off);
  bool continue_stop(Clock::time_point now);
  void report_progress(Clock::time_point now);

  std::filesystem::path serial_log_;
  std::filesystem::path qmp_socket_;
  BootWatchTimings timings_;
  ProgressSink progress_;
  std::string what_boots_;

  Clock::time_point start_;
  std::optional<Clock::time_point> decided_at_;
  Clock::time_point last_work_{};
  Clock::time_point last_progress_{};
  ConsoleScan console_;
  std::uint64_t console_offset_ = 0;
  Clock::time_point console_grew_at_{};
  std::unique_ptr<QmpClient> qmp_;
  Clock::time_point next_qmp_attempt_{};
  // Disk activity (QMP query-blockstats), for the silent-console idle check.
  std::optional<std::uint64_t> disk_ops_;
  Clock::time_point disk_ops_changed_{};
  Clock::time_point next_blockstats_{};

  // A success must stand for a moment (see ConsoleScan): kConfirmLines more
  // lines, or this long for a prompt that nothing follows.
  static constexpr auto kConfirmTime = std::chrono::seconds(10);
  std::optional<Clock::time_point> success_seen_at_;
  std::optional<BootEvidence> decided_evidence_;

  BootStop stop_ = BootStop::Running;
  bool powerdown_sent_ = false;
  bool quit_sent_ = false;
  bool lingering_ = false;  // fatal evidence seen: reading the rest of the console before quitting
  Clock::time_point stop_deadline_{};
  bool guest_shutdown_ = false;
  int reboots_ = 0;
};

}  // namespace h2k
