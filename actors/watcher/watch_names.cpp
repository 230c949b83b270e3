#include "actors/watcher/watch_names.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace h2k {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool is_ignored_name(std::string_view file_name) {
  if (file_name.empty() || file_name.front() == '.' || file_name.back() == '~') return true;
  const std::string name = lower(file_name);
  constexpr std::array<std::string_view, 4> kInProgress{".part", ".tmp", ".partial", ".swp"};
  return std::any_of(kInProgress.begin(), kInProgress.end(), [&](std::string_view s) { return ends_with(name, s); });
}

std::string disk_file_type(const std::filesystem::path& file) {
  const std::string ext = lower(file.extension().string());
  if (ext == ".vmdk") return "vmdk";
  if (ext == ".vhd") return "vhd";
  if (ext == ".vhdx") return "vhdx";
  if (ext == ".raw" || ext == ".img") return "raw";
  if (ext == ".qcow2") return "qcow2";
  return "";
}

WatchedKind watched_kind(const std::filesystem::path& file) {
  if (!disk_file_type(file).empty()) return WatchedKind::Disk;
  const std::string ext = lower(file.extension().string());
  if (ext == ".ova") return WatchedKind::Ova;
  if (ext == ".ovf") return WatchedKind::Ovf;
  if (ext == ".vmx") return WatchedKind::Vmx;
  if (ext == ".json") return WatchedKind::Json;
  return WatchedKind::None;
}

}  // namespace h2k
