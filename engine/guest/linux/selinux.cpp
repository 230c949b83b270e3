// /etc/selinux/config: files written while the guest was offline carry no
// SELinux label, so an enforcing/permissive guest must relabel on first boot.
#include <string>

#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {

bool selinux_needs_relabel(const std::string& selinux_config) {
  std::string mode;   // the file is read like shell: the last SELINUX= wins
  for (const auto& line : detail::split_lines(selinux_config)) {
    if (detail::is_comment_or_blank(line.text)) continue;
    std::string_view s = detail::trim(line.text);
    constexpr std::string_view key = "SELINUX=";   // not SELINUXTYPE=
    if (s.substr(0, key.size()) != key) continue;
    std::string_view v = s.substr(key.size());
    if (auto hash = v.find('#'); hash != std::string_view::npos) v = v.substr(0, hash);
    mode = detail::to_lower(detail::unquote(detail::trim(v)));
  }
  return mode == "enforcing" || mode == "permissive";
}

}  // namespace h2k::linux_guest
