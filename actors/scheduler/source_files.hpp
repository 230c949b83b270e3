#pragma once
// Moving a job's source files out of the watch folder once it has finished:
// to .processed/<date>/ after success, to .errors/ after a final failure.
// Moves are renames inside the watch folder's filesystem (instant, atomic);
// a name already taken at the destination gets a numbered suffix instead of
// being overwritten.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace h2k {

// Moves root/sources[i] to dest_dir/sources[i] (keeping sub-folders) and
// returns the new paths relative to `root`. Missing files are skipped (and
// left out of the result); an absolute source is left where it is (files
// outside the queue belong to the operator).
// `after_each` (optional) is called after each file moved, with its source
// (the fault-injection point mid_archive).
std::vector<std::string> move_sources(const std::filesystem::path& root, const std::vector<std::string>& sources,
                                      const std::filesystem::path& dest_dir,
                                      const std::function<void(const std::string&)>& after_each = {});

// Sum of the sizes of the files that exist.
std::uint64_t sources_size(const std::filesystem::path& root, const std::vector<std::string>& sources);

// "YYYY-MM-DD" of unix ms in local time (the folder name operators browse).
std::string date_folder(std::int64_t unix_ms);

}  // namespace h2k
