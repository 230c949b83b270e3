#include "engine/guest/windows/virtio_win_drivers.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace h2k::windows {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

// Folder names the ISO has used over the years for each release ("2k19" on
// current ISOs, "Win2019" in older driver bundles).
const std::map<std::string, std::vector<std::string>>& os_dir_aliases() {
  static const std::map<std::string, std::vector<std::string>> aliases = {
      {"xp", {"xp", "winxp"}},          {"2k3", {"2k3", "win2003"}},
      {"vista", {"vista"}},             {"2k8", {"2k8", "win2008"}},
      {"w7", {"w7", "win7"}},           {"2k8r2", {"2k8r2", "win2008r2"}},
      {"w8", {"w8", "win8"}},           {"2k12", {"2k12", "win2012"}},
      {"w8.1", {"w8.1", "win8.1"}},     {"2k12r2", {"2k12r2", "win2012r2"}},
      {"w10", {"w10", "win10"}},        {"w11", {"w11", "win11"}},
      {"2k16", {"2k16", "win2016"}},    {"2k19", {"2k19", "win2019"}},
      {"2k22", {"2k22", "win2022"}},    {"2k25", {"2k25", "win2025"}},
  };
  return aliases;
}

std::vector<std::string> arch_aliases(const std::string& arch) {
  if (arch == "x86_64") return {"amd64", "x64"};
  if (arch == "i386" || arch == "i686") return {"x86", "i386"};
  if (arch == "aarch64") return {"arm64"};
  return {};
}

// Windows 10 and 11 (and Server 2016..2025) all say 10.0; the build number
// tells them apart. ProductName is the fallback when the build is unknown
// (Windows 11 still says "Windows 10" in ProductName, hence build first).
std::vector<std::string> windows_10_family_dirs(const WindowsVersion& v) {
  if (!v.server) {
    if (v.build >= 22000 || contains(v.product_name, "Windows 11")) return {"w11", "w10"};
    return {"w10"};
  }
  auto is = [&](int min_build, const char* year) {
    return v.build >= min_build || (v.build == 0 && contains(v.product_name, year));
  };
  if (is(26100, "2025")) return {"2k25", "2k22", "2k19"};
  if (is(20348, "2022")) return {"2k22", "2k19"};
  if (is(17763, "2019")) return {"2k19", "2k16"};
  return {"2k16"};
}

bool is_debug_symbols(const fs::path& p) { return lower(p.extension().string()) == ".pdb"; }

// Rank of the OS folder named in `relative` (0 = best), nullopt if it names
// none of `os_dirs` or not the guest's architecture.
std::optional<std::size_t> rank_of(const fs::path& relative, const std::vector<std::string>& os_dirs,
                                   const std::vector<std::string>& archs) {
  std::vector<std::string> elements;
  for (const auto& part : relative.parent_path()) elements.push_back(lower(part.string()));
  auto has_element = [&](const std::string& name) {
    return std::find(elements.begin(), elements.end(), name) != elements.end();
  };
  if (std::none_of(archs.begin(), archs.end(), has_element)) return std::nullopt;
  for (std::size_t rank = 0; rank < os_dirs.size(); ++rank) {
    const auto& aliases = os_dir_aliases().at(os_dirs[rank]);
    if (std::any_of(aliases.begin(), aliases.end(), has_element)) return rank;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> virtio_win_os_dirs(const WindowsVersion& v) {
  const int version = v.major * 100 + v.minor;
  switch (version) {
    case 501: return {"xp"};
    case 502: return v.server ? std::vector<std::string>{"2k3"} : std::vector<std::string>{"xp", "2k3"};
    case 600: return {v.server ? "2k8" : "vista"};
    case 601: return {v.server ? "2k8r2" : "w7"};
    case 602: return {v.server ? "2k12" : "w8"};
    case 603: return {v.server ? "2k12r2" : "w8.1"};
    case 1000: return windows_10_family_dirs(v);
    default: return {};
  }
}

std::string virtio_win_arch_dir(const std::string& arch) {
  auto aliases = arch_aliases(arch);
  return aliases.empty() ? std::string() : aliases.front();
}

bool DriverSelection::has(const std::string& name) const {
  const std::string wanted = lower(name);
  return std::any_of(files.begin(), files.end(), [&](const DriverFile& f) { return f.name == wanted; });
}

DriverSelection select_virtio_drivers(const fs::path& dir, const WindowsVersion& version) {
  DriverSelection selection;
  const auto os_dirs = virtio_win_os_dirs(version);
  const auto archs = arch_aliases(version.arch);

  struct Best {
    std::size_t rank;
    DriverFile file;
  };
  std::map<std::string, Best> best;   // by lower-case file name
  if (!os_dirs.empty() && !archs.empty()) {
    for (const auto& entry : fs::recursive_directory_iterator(
             dir, fs::directory_options::follow_directory_symlink | fs::directory_options::skip_permission_denied)) {
      if (!entry.is_regular_file() || is_debug_symbols(entry.path())) continue;
      const fs::path relative = fs::relative(entry.path(), dir);
      const auto rank = rank_of(relative, os_dirs, archs);
      if (!rank) continue;
      const std::string name = lower(entry.path().filename().string());
      auto it = best.find(name);
      // Ties keep the lexically first path so the choice does not depend on
      // directory iteration order.
      if (it == best.end() || *rank < it->second.rank ||
          (*rank == it->second.rank && entry.path() < it->second.file.source)) {
        best[name] = {*rank, {entry.path(), name, os_dirs[*rank]}};
      }
    }
  }

  if (best.empty()) {
    // No tree for this guest: maybe the folder holds the driver files themselves.
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_regular_file() || is_debug_symbols(entry.path())) continue;
      const std::string name = lower(entry.path().filename().string());
      best[name] = {0, {entry.path(), name, ""}};
    }
    const bool has_driver = std::any_of(best.begin(), best.end(), [](const auto& kv) {
      const std::string ext = fs::path(kv.first).extension().string();
      return ext == ".sys" || ext == ".inf";
    });
    if (!has_driver) return selection;   // not a driver folder either
    selection.flat = true;
  }

  for (const auto& os_dir : os_dirs) {   // best first
    if (std::any_of(best.begin(), best.end(), [&](const auto& kv) { return kv.second.file.os_dir == os_dir; }))
      selection.os_dirs_used.push_back(os_dir);
  }
  for (auto& [name, b] : best) selection.files.push_back(std::move(b.file));
  return selection;
}

std::string describe(const WindowsVersion& v) {
  std::string out = "Windows " + std::to_string(v.major) + "." + std::to_string(v.minor) +
                    (v.server ? " Server" : " Client");
  if (v.build) out += " build " + std::to_string(v.build);
  if (!v.product_name.empty()) out += " (" + v.product_name + ")";
  return out + " " + (v.arch.empty() ? "unknown arch" : v.arch);
}

}  // namespace h2k::windows
