#include "actors/scheduler/staging_sweep.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string_view>
#include <system_error>

namespace h2k {
namespace fs = std::filesystem;

std::string staging_tag(const std::string& job_id, std::uint64_t epoch, const std::string& instance) {
  return job_id + ".e" + std::to_string(epoch) + "." + instance;
}

namespace {
constexpr std::string_view kFencedSuffix = "~fenced";
}

std::optional<StagingName> parse_staging_folder(const std::string& folder_name) {
  std::string_view name = folder_name;
  const bool fenced = name.ends_with(kFencedSuffix);
  if (fenced) name.remove_suffix(kFencedSuffix.size());
  if (name.size() < 2 || name[0] != '.') return std::nullopt;
  const auto mark = name.rfind(".partial-");
  if (mark == std::string::npos || mark == 0) return std::nullopt;
  const std::string tag(name.substr(mark + 9));
  const auto dot_instance = tag.rfind('.');
  if (dot_instance == std::string::npos || dot_instance + 1 >= tag.size()) return std::nullopt;
  const auto dot_epoch = tag.rfind('.', dot_instance - 1);
  if (dot_epoch == std::string::npos || dot_epoch == 0 || dot_instance == 0) return std::nullopt;
  const std::string epoch = tag.substr(dot_epoch + 1, dot_instance - dot_epoch - 1);
  if (epoch.size() < 2 || epoch[0] != 'e') return std::nullopt;
  StagingName out;
  auto [end, ec] = std::from_chars(epoch.data() + 1, epoch.data() + epoch.size(), out.epoch);
  if (ec != std::errc() || end != epoch.data() + epoch.size()) return std::nullopt;
  out.job_id = tag.substr(0, dot_epoch);
  out.instance = tag.substr(dot_instance + 1);
  out.fenced = fenced;
  return out;
}

std::vector<fs::path> sweep_staging(const fs::path& output_root, const std::string& instance,
                                    const std::function<bool(const StagingName&)>& is_dead) {
  std::vector<fs::path> removed;
  auto sweep = [&](const fs::path& dir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      auto name = parse_staging_folder(e.path().filename().string());
      if (!name || name->instance != instance || !e.is_directory(ec) || !is_dead(*name)) continue;
      fs::remove_all(e.path(), ec);
      if (!ec) removed.push_back(e.path());
    }
  };
  sweep(output_root);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(output_root, ec)) {
    const std::string n = e.path().filename().string();
    if (!n.empty() && n[0] != '.' && e.is_directory(ec)) sweep(e.path());
  }
  return removed;
}

fs::path staging_folder(const fs::path& output_root, const fs::path& output_path, const std::string& tag) {
  return output_root / output_path.parent_path() / ("." + output_path.filename().string() + ".partial-" + tag);
}

std::optional<std::string> published_staging_tag(const fs::path& vm_folder) {
  std::ifstream in(vm_folder / "report.json", std::ios::binary);
  if (!in) return std::nullopt;
  const auto report = nlohmann::json::parse(in, nullptr, false);
  if (!report.is_object()) return std::nullopt;
  const auto request = report.find("request");
  if (request == report.end() || !request->is_object()) return std::nullopt;
  const auto tag = request->find("staging_tag");
  if (tag == request->end() || !tag->is_string()) return std::nullopt;
  return tag->get<std::string>();
}

StagingFence fence_staging(const fs::path& staging) {
  StagingFence f;
  f.path = staging;
  const std::string name = staging.filename().string();
  const auto mark = name.rfind(".partial-");
  if (mark == std::string::npos) {
    f.result = StagingFence::Result::failed;
    f.error = "not a staging folder name";
    return f;
  }
  // rename(2), not std::filesystem::rename: the errno is the answer.
  const fs::path fenced = staging.parent_path() / (name + std::string(kFencedSuffix));
  if (std::rename(staging.c_str(), fenced.c_str()) == 0) {
    f.result = StagingFence::Result::fenced;
    f.path = fenced;
  } else if (errno == ENOENT) {
    f.result = StagingFence::Result::absent;
  } else {
    f.result = StagingFence::Result::failed;
    f.error = std::strerror(errno);
  }
  return f;
}

}  // namespace h2k
