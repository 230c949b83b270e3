#pragma once
// Shared by the linux_guest tests: reading the real-world config texts under
// tests/data/linux_guest/, a device resolver standing in for the appliance's
// blkid lookup, and a printable view of interface pins.
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/guest/linux/rewriters.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k::linux_guest::testing {

inline std::string read_data(const std::string& name) {
  const std::string path = (h2k::test::data_dir("linux_guest") / name).string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing test data " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The UUID the fake resolver gives /dev/sdaN: 0c5a5a4e-1111-4000-8000-00000000000N.
inline std::string sda_uuid(int partition) {
  std::string n = std::to_string(partition);
  return "0c5a5a4e-1111-4000-8000-" + std::string(12 - n.size(), '0') + n;
}

// Maps /dev/sda1../dev/sda9 to sda_uuid(N) plus whatever `extra` says, records
// every question it was asked, and knows nothing else (nullopt).
class FakeResolver {
public:
  explicit FakeResolver(std::map<std::string, std::string> extra = {}) : table_(std::move(extra)) {
    for (int n = 1; n <= 9; ++n) table_.emplace("/dev/sda" + std::to_string(n), sda_uuid(n));
  }
  DeviceResolver fn() {
    return [this](const std::string& spec, const std::string& mountpoint) -> std::optional<std::string> {
      calls.emplace_back(spec, mountpoint);
      auto it = table_.find(spec);
      if (it == table_.end()) return std::nullopt;
      // The resolver hands back the whole replacement name; a bare UUID in
      // the table means "UUID=<it>".
      const std::string& v = it->second;
      return v.find('=') != std::string::npos || v.rfind("/", 0) == 0 ? v : "UUID=" + v;
    };
  }
  std::vector<std::pair<std::string, std::string>> calls;   // (spec, mountpoint)

private:
  std::map<std::string, std::string> table_;
};

// "name=mac" of each pin, in order.
inline std::vector<std::string> describe(const std::vector<InterfacePin>& pins) {
  std::vector<std::string> out;
  for (const auto& p : pins) out.push_back(p.name + "=" + p.mac);
  return out;
}

// 1-based number of the first line of `text` containing `needle` (0: none).
inline int line_of(const std::string& text, const std::string& needle) {
  std::size_t pos = text.find(needle);
  if (pos == std::string::npos) return 0;
  int line = 1;
  for (std::size_t i = 0; i < pos; ++i)
    if (text[i] == '\n') ++line;
  return line;
}

}  // namespace h2k::linux_guest::testing
