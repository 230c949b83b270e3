#pragma once
// What a guest's own output says about its boot: a pure classifier over
// serial console text (and journal messages, which carry the same systemd
// lines). Success is the guest reaching a point where people can log in;
// fatal evidence is a state the guest cannot leave by itself (kernel panic,
// initramfs or emergency shell), which lets a verification fail at once
// instead of waiting for its timeout.
#include <cstddef>
#include <deque>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace h2k {

enum class BootSignal { None, Success, Fatal };
const char* to_string(BootSignal s);
inline std::ostream& operator<<(std::ostream& os, BootSignal s) { return os << to_string(s); }

struct BootEvidence {
  BootSignal signal = BootSignal::None;
  std::string line;   // the console line (or journal message) that decided it
};

// One console line (control characters and ANSI escapes already removed):
// Success, Fatal or None.
BootSignal classify_line(std::string_view line);

// Only the prompts among those: a login prompt (Success) or a rescue shell's
// prompt (Fatal). They wait for input without a newline.
BootSignal classify_prompt(std::string_view line);

// Whether a line is the operating system speaking (kernel, initramfs, systemd,
// getty), as opposed to firmware or the boot loader: a console that never
// shows any is "silent" (the guest's console is on the screen, not serial).
bool is_os_output(std::string_view line);

// The printable text of a raw console line: ANSI/VT100 escape sequences and
// control characters removed, trailing blanks trimmed.
std::string clean_console_line(std::string_view raw);

// Reads a console as it grows (chunks of any size) and keeps the first
// decisive evidence, whether the OS spoke, and the last lines for reports.
// Lines end at '\n' or '\r' (status lines redraw with '\r'). The unfinished
// last line counts too: a "login: " or "(initramfs) " prompt has no newline.
class ConsoleScan {
public:
  explicit ConsoleScan(std::size_t tail_lines = 40) : tail_max_(tail_lines) {}

  void feed(std::string_view chunk);

  // The first Success or Fatal line seen, in console order; None until then.
  const BootEvidence& evidence() const { return evidence_; }
  bool os_output() const { return os_output_; }
  std::size_t bytes() const { return bytes_; }
  // The last `tail_lines` non-empty lines, cleaned, the unfinished one included.
  std::vector<std::string> tail() const;

private:
  void take_line(const std::string& raw, bool finished);

  std::size_t tail_max_;
  std::string partial_;
  std::deque<std::string> tail_;
  BootEvidence evidence_;
  bool os_output_ = false;
  std::size_t bytes_ = 0;
};

// Convenience over a whole transcript.
ConsoleScan scan_console(std::string_view text, std::size_t tail_lines = 40);

}  // namespace h2k
