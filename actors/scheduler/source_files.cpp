#include "actors/scheduler/source_files.hpp"

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <optional>
#include <system_error>

#include <fcntl.h>

namespace h2k {
namespace fs = std::filesystem;

namespace {

// `wanted`, then wanted.1, wanted.2...
fs::path numbered(const fs::path& wanted, int i) {
  if (i == 0) return wanted;
  fs::path p = wanted;
  p += "." + std::to_string(i);
  return p;
}

// The first of those names that is free, by looking: for filesystems
// without RENAME_NOREPLACE (NFS), where a name taken between the look and
// the rename is overwritten.
fs::path free_name(const fs::path& wanted) {
  for (int i = 0;; ++i)
    if (fs::path p = numbered(wanted, i); !fs::exists(fs::symlink_status(p))) return p;
}

// Renames `from` to `wanted` or, when that name is taken, to the first free
// numbered name, never over an existing file; returns where it went, or
// nullopt when `from` is gone. One renameat2 in the common case (the
// archiver moves every done job's files: stat-then-rename was 3 more calls
// per file); the destination folder is made only when it is missing.
std::optional<fs::path> move_file(const fs::path& from, const fs::path& wanted) {
  bool made_dir = false;
  for (int i = 0;;) {
    const fs::path to = numbered(wanted, i);
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return to;
    const int err = errno;
    if (err == EEXIST) {
      ++i;
      continue;
    }
    if (err == ENOENT) {
      // The source is gone, or the destination folder does not exist yet.
      if (!fs::exists(fs::symlink_status(from))) return std::nullopt;
      if (made_dir) throw fs::filesystem_error("cannot move", from, to, std::error_code(err, std::generic_category()));
      fs::create_directories(to.parent_path());
      made_dir = true;
      continue;
    }
    // No RENAME_NOREPLACE on this filesystem (NFS), or the destination is
    // on another one: look, then move, below.
    if (err == EINVAL || err == ENOSYS || err == ENOTSUP || err == EXDEV) break;
    throw fs::filesystem_error("cannot move", from, to, std::error_code(err, std::generic_category()));
  }
  if (!fs::exists(fs::symlink_status(from))) return std::nullopt;
  fs::create_directories(wanted.parent_path());
  const fs::path to = free_name(wanted);
  std::error_code ec;
  fs::rename(from, to, ec);
  if (!ec) return to;
  if (ec != std::errc::cross_device_link) throw fs::filesystem_error("cannot move", from, to, ec);
  // .processed on another filesystem (a bind mount): copy, then remove.
  fs::copy_file(from, to);
  fs::remove(from);
  return to;
}

}  // namespace

std::vector<std::string> move_sources(const fs::path& root, const std::vector<std::string>& sources,
                                      const fs::path& dest_dir, const std::function<void(const std::string&)>& after_each) {
  std::vector<std::string> moved;
  for (const auto& s : sources) {
    fs::path rel(s);
    if (rel.is_absolute()) continue;
    fs::path from = root / rel;
    // A file already set aside (.errors/vm.ova of a retried job) keeps its
    // name below dest_dir, not .errors/.errors/vm.ova.
    fs::path inner = rel;
    if (!rel.empty() && rel.begin()->string().front() == '.' && std::distance(rel.begin(), rel.end()) > 1)
      inner = rel.lexically_relative(*rel.begin());
    fs::path wanted = dest_dir / inner;
    if (wanted.lexically_normal() == from.lexically_normal()) {
      if (fs::exists(fs::symlink_status(from))) moved.push_back(rel.string());  // already where it belongs
      continue;
    }
    auto to = move_file(from, wanted);
    if (!to) continue;  // missing: skipped
    moved.push_back(to->lexically_relative(root).string());
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
