#pragma once
// The statistics on disk: <state_dir>/stats.json (read at start so
// totals survive restarts, read by people and scripts) and metrics.prom
// beside it (for node_exporter's textfile collector or a scraper).
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace h2k {

// The saved document; an empty object when the file does not exist yet.
// Throws ConversionError naming the path and the reason when it cannot be
// read or is not a JSON object (the actor logs it and starts fresh).
nlohmann::json load_stats_file(const std::filesystem::path& path);

// Writes dir/stats.json (indented) and dir/metrics.prom, each atomically
// (temp + fsync + rename: a reader sees the old or the new file, never half
// of one), creating dir. Throws ConversionError naming the path.
void write_stats_files(const std::filesystem::path& dir, const nlohmann::json& stats, const std::string& metrics);

}  // namespace h2k
