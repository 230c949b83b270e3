// /etc/fstab: replace unstable device names in the first field with UUID=...,
// touching nothing else in the file (an admin diffing it sees only that).
#include <string>
#include <string_view>
#include <vector>

#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

struct Field {
  std::size_t begin = 0;
  std::size_t size = 0;
};

std::vector<Field> fields_of(std::string_view line) {
  std::vector<Field> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && detail::is_blank_char(line[i])) ++i;
    std::size_t b = i;
    while (i < line.size() && !detail::is_blank_char(line[i])) ++i;
    if (i > b) fields.push_back({b, i - b});
  }
  return fields;
}

// fstab writes spaces in paths as octal escapes ("/mnt/my\040disk"); the
// resolver compares mount points with what the guest mounts, so decode them.
std::string decode_octal_escapes(std::string_view s) {
  auto is_oct = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        is_oct(s[i + 1]) && is_oct(s[i + 2]) && is_oct(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
      continue;
    }
    out += s[i];
  }
  return out;
}

}  // namespace

RewriteResult rewrite_fstab(const std::string& fstab, const DeviceResolver& resolve) {
  RewriteResult result;
  auto lines = detail::split_lines(fstab);
  for (std::size_t n = 0; n < lines.size(); ++n) {
    std::string& line = lines[n].text;
    if (detail::is_comment_or_blank(line)) continue;
    auto fields = fields_of(line);
    std::string spec = line.substr(fields[0].begin, fields[0].size);
    if (!is_unstable_device_spec(spec)) continue;

    std::string mountpoint = fields.size() > 1 ? decode_octal_escapes(std::string_view(line).substr(fields[1].begin, fields[1].size)) : "";
    std::string fstype = fields.size() > 2 ? line.substr(fields[2].begin, fields[2].size) : "";
    if (fstype == "swap") mountpoint = "swap";   // the mount field of swap is "none" or "swap"

    auto uuid = resolve ? resolve(spec, mountpoint) : std::nullopt;
    if (!uuid || uuid->empty()) {
      result.warnings.push_back("fstab line " + std::to_string(n + 1) + " \"" + detail::display_line(line) +
                                "\": cannot resolve " + spec + " to a stable name; left as is");
      continue;
    }
    std::string before = detail::display_line(line);
    line.replace(fields[0].begin, fields[0].size, *uuid);
    result.changes.push_back({static_cast<int>(n + 1), before, detail::display_line(line)});
  }
  result.content = result.changes.empty() ? fstab : detail::join_lines(lines);
  return result;
}

}  // namespace h2k::linux_guest
