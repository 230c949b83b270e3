// /etc/crypttab: the second field names the encrypted device. A VMware
// kernel name there (/dev/sdb2) is another disk, or none, on virtio.
#include <string>

#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {

RewriteResult rewrite_crypttab(const std::string& text, const DeviceResolver& resolve) {
  RewriteResult result;
  auto lines = detail::split_lines(text);
  for (std::size_t n = 0; n < lines.size(); ++n) {
    std::string& line = lines[n].text;
    if (detail::is_comment_or_blank(line)) continue;
    // Find the second field in place, so spacing and the rest stay as they are.
    std::size_t i = 0;
    while (i < line.size() && detail::is_blank_char(line[i])) ++i;
    while (i < line.size() && !detail::is_blank_char(line[i])) ++i;
    while (i < line.size() && detail::is_blank_char(line[i])) ++i;
    std::size_t begin = i;
    while (i < line.size() && !detail::is_blank_char(line[i])) ++i;
    if (i == begin) continue;
    std::string device = line.substr(begin, i - begin);
    if (!is_unstable_device_spec(device)) continue;
    auto stable = resolve ? resolve(device, "") : std::nullopt;
    if (!stable) {
      result.warnings.push_back("crypttab line " + std::to_string(n + 1) + ": cannot resolve " + device +
                                " to a stable name; left as is");
      continue;
    }
    std::string before = detail::display_line(line);
    line.replace(begin, i - begin, *stable);
    result.changes.push_back({static_cast<int>(n + 1), before, detail::display_line(line)});
  }
  result.content = result.changes.empty() ? text : detail::join_lines(lines);
  return result;
}

}  // namespace h2k::linux_guest
