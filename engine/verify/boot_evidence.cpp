#include "engine/verify/boot_evidence.hpp"

#include <array>
#include <cctype>

namespace h2k {
namespace {

bool contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

bool starts_with(std::string_view text, std::string_view what) { return text.substr(0, what.size()) == what; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The targets a guest boots into by default. systemd >= 249 prints the unit
// name and its description ("Reached target multi-user.target - Multi-User
// System."), older ones only the description, and the console ellipsizes long
// lines in the middle ("Reached target multi-user.…- Multi-User System."):
// either half is enough. getty.target ("Login Prompts") is reached when the
// login prompts start, the same moment a "login:" prompt shows.
constexpr std::array<std::string_view, 6> kUsableTargets = {
    "Multi-User System", "multi-user.target", "Graphical Interface", "graphical.target",
    "Login Prompts",     "getty.target"};

// Targets a guest enters instead of its default when booting failed.
constexpr std::array<std::string_view, 4> kFailureTargets = {"emergency.target", "Emergency Mode", "rescue.target",
                                                             "Rescue Mode"};

template <std::size_t N>
bool reached_one_of(std::string_view line, const std::array<std::string_view, N>& targets) {
  auto at = line.find("Reached target ");
  if (at == std::string_view::npos) return false;
  std::string_view rest = line.substr(at + 15);
  for (auto target : targets)
    if (contains(rest, target)) return true;
  return false;
}

// "<hostname> login:" (agetty's prompt), possibly preceded by the issue text
// on the same line when a status line was overwritten.
bool is_login_prompt(std::string_view line) {
  line = trim(line);
  if (line == "login:") return true;
  constexpr std::string_view kPrompt = " login:";
  if (line.size() <= kPrompt.size() || line.substr(line.size() - kPrompt.size()) != kPrompt) return false;
  // "Last login:" and log lines ("pam_unix(login:session)") are not prompts:
  // the word before must be a host name.
  std::string_view host = line.substr(0, line.size() - kPrompt.size());
  if (auto sp = host.rfind(' '); sp != std::string_view::npos) host = host.substr(sp + 1);
  if (host.empty() || host == "Last") return false;
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') return false;
  return true;
}

// States the guest does not leave by itself. Not here on purpose: "Gave up
// waiting for suspend/resume device" (initramfs-tools goes on booting), and
// "Waiting for root file system" (a slow disk shows it too).
constexpr std::array<std::string_view, 13> kFatal = {
    "Kernel panic - not syncing",
    "Gave up waiting for root",          // initramfs-tools: root device never appeared
    "Dropping to a shell",               // initramfs-tools: "ALERT! ... Dropping to a shell!"
    "You are in emergency mode",         // systemd emergency.target
    "Entering emergency mode",           // dracut and systemd
    "Give root password for maintenance",
    "Could not boot",                    // dracut
    "dracut: FATAL:",
    "VFS: Unable to mount root fs",
    "grub rescue>",
    "No bootable device",                     // SeaBIOS: nothing on the disks boots
    "No bootable option or device was found", // OVMF (BdsDxe)
    "Failed to start Switch Root",
};

// Length of the valid UTF-8 sequence `s` starts with; 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  const std::size_t n = c >= 0xf5 ? 0 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
  if (n == 0 || s.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i)
    if ((b(i) & 0xc0) != 0x80) return 0;
  if (n == 3 && ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) > 0x9f))) return 0;  // overlong, surrogate
  if (n == 4 && ((c == 0xf0 && b(1) < 0x90) || (c == 0xf4 && b(1) > 0x8f))) return 0;  // overlong, > U+10FFFF
  return n;
}

}  // namespace

const char* to_string(BootSignal s) {
  switch (s) {
    case BootSignal::None: return "none";
    case BootSignal::Success: return "success";
    case BootSignal::Fatal: return "fatal";
  }
  return "none";
}

BootSignal classify_prompt(std::string_view line) {
  std::string_view t = trim(line);
  // Rescue shells, for consoles that show only their prompt.
  if (starts_with(t, "(initramfs)") || starts_with(t, "dracut:/#") || t == "sh-4.2#" || starts_with(t, ":/#") ||
      starts_with(t, "grub rescue>"))
    return BootSignal::Fatal;
  return is_login_prompt(line) ? BootSignal::Success : BootSignal::None;
}

namespace {

// systemd's "Dependency failed for" a target the boot cannot do without:
// emergency mode follows (OnFailure=emergency.target).
bool essential_target_failed(std::string_view line) {
  if (!contains(line, "Dependency failed for ")) return false;
  for (auto what : {"Local File Systems", "local-fs.target", "Initrd Root File System", "initrd-root-fs.target",
                    "File System Check on Root Device"})
    if (contains(line, what)) return true;
  return false;
}

}  // namespace

BootSignal classify_line(std::string_view line) {
  for (auto marker : kFatal)
    if (contains(line, marker)) return BootSignal::Fatal;
  if (essential_target_failed(line)) return BootSignal::Fatal;
  if (reached_one_of(line, kFailureTargets)) return BootSignal::Fatal;
  if (BootSignal prompt = classify_prompt(line); prompt != BootSignal::None) return prompt;
  // "Startup finished in ..." is systemd's own "default target reached" (the
  // journal has it; consoles rarely do).
  if (reached_one_of(line, kUsableTargets) || contains(line, "Startup finished in ")) return BootSignal::Success;
  return BootSignal::None;
}

bool is_os_output(std::string_view line) {
  std::string_view t = trim(line);
  if (t.empty()) return false;
  // Kernel messages with printk times: "[    1.234567] ...".
  if (t.front() == '[') {
    std::size_t i = 1;
    while (i < t.size() && t[i] == ' ') ++i;
    std::size_t digits = i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    if (i > digits && i < t.size() && t[i] == '.') return true;
  }
  // Not "Welcome to": GRUB says "Welcome to GRUB!".
  constexpr std::array<std::string_view, 9> kMarkers = {
      "Linux version ", "systemd[", "Begin: ", "dracut", "[  OK  ]", "Reached target ",
      "login:", "(initramfs)", "Kernel panic"};
  for (auto m : kMarkers)
    if (contains(t, m)) return true;
  return false;
}

std::string clean_console_line(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == 0x1b) {
      // CSI: ESC [ params... final byte in 0x40..0x7e. Anything else: ESC + one byte.
      if (i + 1 < raw.size() && raw[i + 1] == '[') {
        i += 2;
        while (i < raw.size() && !(raw[i] >= 0x40 && raw[i] <= 0x7e)) ++i;
      } else {
        ++i;
      }
      continue;
    }
    if (c == '\t') {
      out.push_back(' ');
    } else if (c >= 0x80) {
      // Reports are JSON: keep valid UTF-8 (GRUB's box drawing), replace the rest.
      const std::size_t n = utf8_sequence_length(raw.substr(i));
      if (n == 0) {
        out.push_back('?');
      } else {
        out.append(raw.substr(i, n));
        i += n - 1;
      }
    } else if (c >= 0x20 && c != 0x7f) {
      out.push_back(static_cast<char>(c));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void ConsoleScan::feed(std::string_view chunk) {
  bytes_ += chunk.size();
  for (char c : chunk) {
    if (c == '\n' || c == '\r') {
      take_line(partial_, true);
      partial_.clear();
    } else {
      partial_.push_back(c);
    }
  }
  // A prompt waits without a newline: judge the unfinished line as it is now.
  if (!partial_.empty()) take_line(partial_, false);
}

void ConsoleScan::take_line(const std::string& raw, bool finished) {
  std::string line = clean_console_line(raw);
  if (line.empty()) return;
  const std::size_t line_no = lines_;
  if (finished) {
    ++lines_;
    tail_.push_back(line);
    while (tail_.size() > tail_max_) tail_.pop_front();
  }
  if (!os_output_ && is_os_output(line)) os_output_ = true;
  if (success_ && fatal_) return;
  // An unfinished line may be the start of a longer one ("Gave up waiting
  // for root" + " file system device."): only a prompt, which waits for
  // input without a newline, is judged before its end.
  const BootSignal s = finished ? classify_line(line) : classify_prompt(line);
  if (s == BootSignal::Success && !success_) success_ = Mark{{s, line}, line_no};
  if (s == BootSignal::Fatal && !fatal_) fatal_ = Mark{{s, line}, line_no};
}

BootEvidence ConsoleScan::evidence() const {
  if (fatal_ && (!success_ || fatal_->line_no <= success_->line_no + kConfirmLines)) return fatal_->evidence;
  if (success_) return success_->evidence;
  return {};
}

bool ConsoleScan::success_confirmed() const {
  return success_ && evidence().signal == BootSignal::Success && lines_ > success_->line_no + kConfirmLines;
}

bool ConsoleScan::at_rescue_prompt() const {
  return !partial_.empty() && classify_prompt(clean_console_line(partial_)) == BootSignal::Fatal;
}

std::vector<std::string> ConsoleScan::tail() const {
  std::vector<std::string> out(tail_.begin(), tail_.end());
  std::string last = clean_console_line(partial_);
  if (!last.empty()) {
    out.push_back(last);
    if (out.size() > tail_max_) out.erase(out.begin());
  }
  return out;
}

ConsoleScan scan_console(std::string_view text, std::size_t tail_lines) {
  ConsoleScan scan(tail_lines);
  scan.feed(text);
  return scan;
}

}  // namespace h2k
