// Where a name written in a VM description points, relative to the watch folder.
#include <algorithm>

#include "actors/watcher/vm_references.hpp"

namespace h2k {

std::optional<std::filesystem::path> part_in_watch_dir(const std::filesystem::path& from, const std::string& written) {
  const std::filesystem::path rel(written);
  // Same rule as the engine's loaders: any ".." is refused, even one that
  // would come back inside, so what the watcher groups is what they accept.
  if (written.empty() || rel.is_absolute() || std::find(rel.begin(), rel.end(), "..") != rel.end())
    return std::nullopt;
  return (from.parent_path() / rel).lexically_normal();
}

std::optional<std::filesystem::path> path_in_watch_dir(const std::filesystem::path& watch_dir,
                                                       const std::filesystem::path& absolute) {
  auto rel = absolute.lexically_normal().lexically_relative(watch_dir.lexically_normal());
  if (rel.empty() || rel == "." || *rel.begin() == "..") return std::nullopt;
  return rel;
}

}  // namespace h2k
