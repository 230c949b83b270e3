// root= and resume= kernel parameters that name a device which changes on
// virtio. Works on any text holding a command line (grub defaults, grub.cfg,
// BLS entries, /etc/kernel/cmdline, grubenv's kernelopts=) because it only
// touches the parameter's value and leaves quoting and the rest of the line.
#include <array>
#include <string>
#include <string_view>

#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

struct KernelParam {
  std::string_view key;         // "root=" including the '='
  std::string_view mountpoint;  // what the resolver is told the device holds
};
constexpr std::array<KernelParam, 2> kDeviceParams{{{"root=", "/"}, {"resume=", "swap"}}};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A parameter starts a word: line start, after blanks, after the opening quote
// of GRUB_CMDLINE_LINUX="..." or right after grubenv's "kernelopts=".
// This keeps "real_root=", "GRUB_root=" and "--set=root" out.
bool starts_parameter(std::string_view line, std::size_t pos) {
  if (pos == 0) return true;
  char prev = line[pos - 1];
  if (detail::is_blank_char(prev) || prev == '"' || prev == '\'') return true;
  std::string_view head = line.substr(0, pos);
  return ends_with(head, "kernelopts=") && starts_parameter(line, pos - std::string_view("kernelopts=").size());
}

}  // namespace

RewriteResult rewrite_kernel_cmdline_text(const std::string& text, const DeviceResolver& resolve) {
  RewriteResult result;
  auto lines = detail::split_lines(text);
  for (std::size_t n = 0; n < lines.size(); ++n) {
    std::string& line = lines[n].text;
    if (detail::is_comment_or_blank(line)) continue;   // a commented-out cmdline is not booted
    const std::string before = detail::display_line(line);
    bool line_changed = false;
    for (std::size_t pos = 0; pos < line.size(); ++pos) {
      for (const auto& param : kDeviceParams) {
        if (line.compare(pos, param.key.size(), param.key) != 0 || !starts_parameter(line, pos)) continue;
        std::size_t vb = pos + param.key.size();
        std::size_t ve;
        if (vb < line.size() && (line[vb] == '"' || line[vb] == '\'')) {   // root="/dev/sda1"
          char quote = line[vb++];
          ve = line.find(quote, vb);
          if (ve == std::string::npos) ve = line.size();
        } else {
          ve = vb;
          while (ve < line.size() && !detail::is_blank_char(line[ve]) && line[ve] != '"' && line[ve] != '\'') ++ve;
        }
        std::string device = line.substr(vb, ve - vb);
        if (!is_unstable_device_spec(device)) { pos = ve; break; }
        auto uuid = resolve ? resolve(device, std::string(param.mountpoint)) : std::nullopt;
        if (!uuid || uuid->empty()) {
          result.warnings.push_back("line " + std::to_string(n + 1) + ": cannot resolve " + std::string(param.key) +
                                    device + " to a stable name; left as is");
          pos = ve;
          break;
        }
        std::string replacement = *uuid;
        line.replace(vb, ve - vb, replacement);
        line_changed = true;
        pos = vb + replacement.size();
        break;
      }
    }
    if (line_changed) result.changes.push_back({static_cast<int>(n + 1), before, detail::display_line(line)});
  }
  result.content = result.changes.empty() ? text : detail::join_lines(lines);
  return result;
}

}  // namespace h2k::linux_guest
