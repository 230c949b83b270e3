#include "engine/guest/linux/ini_sections.hpp"

#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest::detail {

std::vector<IniEntry> parse_ini(const std::string& text) {
  std::vector<IniEntry> entries;
  std::string section;
  for (const auto& line : split_lines(text)) {
    std::string_view s = trim(line.text);
    if (s.empty() || s.front() == '#' || s.front() == ';') continue;
    if (s.front() == '[') {
      std::size_t close = s.find(']');
      section = std::string(s.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
      continue;
    }
    std::size_t eq = s.find('=');
    if (eq == std::string_view::npos) continue;
    entries.push_back({section, std::string(trim(s.substr(0, eq))), std::string(trim(s.substr(eq + 1)))});
  }
  return entries;
}

}  // namespace h2k::linux_guest::detail
