#pragma once
// The INI dialect of NetworkManager keyfiles and systemd units: [Section]
// headers, key=value lines, '#' and ';' comments, keys repeatable.
#include <string>
#include <vector>

namespace h2k::linux_guest::detail {

struct IniEntry {
  std::string section;   // "connection", "Match"
  std::string key;
  std::string value;     // trimmed, not unquoted
};

std::vector<IniEntry> parse_ini(const std::string& text);

}  // namespace h2k::linux_guest::detail
