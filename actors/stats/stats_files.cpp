#include "actors/stats/stats_files.hpp"

#include <system_error>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"

namespace h2k {

nlohmann::json load_stats_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) throw ConversionError(ErrorKind::Io, path.string(), "cannot check the statistics file: " + ec.message());
    return nlohmann::json::object();
  }
  const std::string text = read_text_file(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConversionError(ErrorKind::InvalidInput, path.string(),
                          std::string("the statistics file is not valid JSON: ") + e.what());
  }
  if (!j.is_object())
    throw ConversionError(ErrorKind::InvalidInput, path.string(),
                          std::string("the statistics file holds a JSON ") + j.type_name() + ", not an object");
  return j;
}

void write_stats_files(const std::filesystem::path& dir, const nlohmann::json& stats, const std::string& metrics) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw ConversionError(ErrorKind::Io, dir.string(), "cannot create the statistics folder: " + ec.message());
  atomic_write_file(dir / "stats.json", stats.dump(2) + "\n");
  atomic_write_file(dir / "metrics.prom", metrics);
  fsync_dir(dir);
}

}  // namespace h2k
