// /etc/default/grub: grub-mkconfig writes root=/dev/sdX into grub.cfg when
// GRUB_DISABLE_LINUX_UUID=true, and /dev/sdX is gone on virtio. Commenting the
// setting out (rather than deleting it) leaves the admin a trace of what it was.
#include <algorithm>
#include <string>
#include <string_view>

#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

// grub-mkconfig sources the file as shell and tests "x$GRUB_DISABLE_LINUX_UUID" = "xtrue",
// so only an assignment without blanks around '=' whose value is exactly "true" counts.
bool disables_linux_uuid(std::string_view line) {
  std::string_view s = detail::trim_left(line);
  if (s.substr(0, 7) == "export " || s.substr(0, 7) == "export\t") s = detail::trim_left(s.substr(7));
  constexpr std::string_view key = "GRUB_DISABLE_LINUX_UUID=";
  if (s.substr(0, key.size()) != key) return false;
  s = s.substr(key.size());
  std::string_view value;
  std::string_view rest;
  if (!s.empty() && (s.front() == '"' || s.front() == '\'')) {
    std::size_t close = s.find(s.front(), 1);
    if (close == std::string_view::npos) return false;
    value = s.substr(1, close - 1);
    rest = s.substr(close + 1);
  } else {
    std::size_t end = 0;
    while (end < s.size() && !detail::is_blank_char(s[end]) && s[end] != ';' && s[end] != '#') ++end;
    value = s.substr(0, end);
    rest = s.substr(end);
  }
  rest = detail::trim(rest);
  if (!rest.empty() && rest.front() == ';') rest = detail::trim(rest.substr(1));
  return value == "true" && (rest.empty() || rest.front() == '#');
}

}  // namespace

RewriteResult rewrite_default_grub(const std::string& text, const DeviceResolver& resolve) {
  RewriteResult result;
  auto lines = detail::split_lines(text);
  for (std::size_t n = 0; n < lines.size(); ++n) {
    std::string& line = lines[n].text;
    if (!disables_linux_uuid(line)) continue;
    std::string before = detail::display_line(line);
    std::string cr = (!line.empty() && line.back() == '\r') ? "\r" : "";
    line = "# hyper2kvm: was " + std::string(detail::trim(before)) + cr;
    result.changes.push_back({static_cast<int>(n + 1), before, detail::display_line(line)});
  }
  std::string uuid_enabled = result.changes.empty() ? text : detail::join_lines(lines);

  // Lines map one to one, so the command-line pass keeps the original numbering.
  RewriteResult cmdline = rewrite_kernel_cmdline_text(uuid_enabled, resolve);
  result.content = std::move(cmdline.content);
  result.changes.insert(result.changes.end(), cmdline.changes.begin(), cmdline.changes.end());
  result.warnings.insert(result.warnings.end(), cmdline.warnings.begin(), cmdline.warnings.end());
  std::stable_sort(result.changes.begin(), result.changes.end(),
                   [](const LineChange& a, const LineChange& b) { return a.line < b.line; });
  return result;
}

}  // namespace h2k::linux_guest
