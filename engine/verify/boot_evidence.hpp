#pragma once
// What a guest's own output says about its boot: a pure classifier over
// serial console text (and journal messages, which carry the same systemd
// lines). Success is the guest reaching a point where people can log in;
// fatal evidence is a state the guest cannot leave by itself (kernel panic,
// initramfs or emergency shell), which lets a verification fail at once
// instead of waiting for its timeout.
#include <cstddef>
#include <deque>
#include <optional>
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

// Reads a console as it grows (chunks of any size) and keeps the decisive
// evidence, whether the OS spoke, and the last lines for reports. Lines end
// at '\n' or '\r' (status lines redraw with '\r'). The unfinished last line
// counts too: a "login: " or "(initramfs) " prompt has no newline.
//
// Success must hold for a few lines: systemd reaches getty.target in the
// same transaction that starts emergency mode (a real transcript shows
// "Reached target getty.target" two lines before "Reached target
// emergency.target"), so a fatal line within kConfirmLines after the first
// success overrides it. Later fatal lines (a panic while shutting down) do not.
class ConsoleScan {
public:
  static constexpr std::size_t kConfirmLines = 20;

  explicit ConsoleScan(std::size_t tail_lines = 40) : tail_max_(tail_lines) {}

  void feed(std::string_view chunk);

  // Fatal when a fatal line came first or within kConfirmLines after the
  // first success line; else Success when one was seen; else None.
  BootEvidence evidence() const;
  // Success, and kConfirmLines more lines have come since: nothing can undo it.
  bool success_confirmed() const;
  bool os_output() const { return os_output_; }
  std::size_t bytes() const { return bytes_; }
  // The console ends on a rescue shell's prompt ("(initramfs) ", dracut's),
  // waiting for input: nothing more will come by itself.
  bool at_rescue_prompt() const;
  // The last `tail_lines` non-empty lines, cleaned, the unfinished one included.
  std::vector<std::string> tail() const;

private:
  struct Mark {
    BootEvidence evidence;
    std::size_t line_no = 0;   // index among the non-empty lines
  };
  void take_line(const std::string& raw, bool finished);

  std::size_t tail_max_;
  std::string partial_;
  std::deque<std::string> tail_;
  std::optional<Mark> success_;
  std::optional<Mark> fatal_;
  std::size_t lines_ = 0;       // finished non-empty lines so far
  bool os_output_ = false;
  std::size_t bytes_ = 0;
};

// Convenience over a whole transcript.
ConsoleScan scan_console(std::string_view text, std::size_t tail_lines = 40);

}  // namespace h2k
