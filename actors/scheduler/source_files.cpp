#include "actors/scheduler/source_files.hpp"

#include <ctime>
#include <iterator>
#include <system_error>

namespace h2k {
namespace fs = std::filesystem;

namespace {

fs::path free_name(const fs::path& wanted) {
  if (!fs::exists(fs::symlink_status(wanted))) return wanted;
  for (int i = 1;; ++i) {
    fs::path p = wanted;
    p += "." + std::to_string(i);
    if (!fs::exists(fs::symlink_status(p))) return p;
  }
}

void move_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (!ec) return;
  if (ec != std::errc::cross_device_link) throw fs::filesystem_error("cannot move", from, to, ec);
  // .processed on another filesystem (a bind mount): copy, then remove.
  fs::copy_file(from, to);
  fs::remove(from);
}

}  // namespace

std::vector<std::string> move_sources(const fs::path& root, const std::vector<std::string>& sources,
                                      const fs::path& dest_dir, const std::function<void(const std::string&)>& after_each) {
  std::vector<std::string> moved;
  for (const auto& s : sources) {
    fs::path rel(s);
    if (rel.is_absolute()) continue;
    fs::path from = root / rel;
    if (!fs::exists(fs::symlink_status(from))) continue;
    // A file already set aside (.errors/vm.ova of a retried job) keeps its
    // name below dest_dir, not .errors/.errors/vm.ova.
    fs::path inner = rel;
    if (!rel.empty() && rel.begin()->string().front() == '.' && std::distance(rel.begin(), rel.end()) > 1)
      inner = rel.lexically_relative(*rel.begin());
    fs::path wanted = dest_dir / inner;
    if (wanted.lexically_normal() == from.lexically_normal()) {
      moved.push_back(rel.string());  // already where it belongs
      continue;
    }
    fs::path to = free_name(wanted);
    fs::create_directories(to.parent_path());
    move_file(from, to);
    moved.push_back(to.lexically_relative(root).string());
    if (after_each) after_each(s);
  }
  return moved;
}

std::uint64_t sources_size(const fs::path& root, const std::vector<std::string>& sources) {
  std::uint64_t total = 0;
  for (const auto& s : sources) {
    std::error_code ec;
    auto n = fs::file_size(root / s, ec);
    if (!ec) total += n;
  }
  return total;
}

std::string date_folder(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace h2k
