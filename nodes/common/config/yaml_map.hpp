#pragma once
// Strict, typed reading of one YAML mapping of daemon.yaml (internal to the
// config library). Each getter names a key it knows; finish() then rejects
// every key nobody asked for, so a typo ("webhook_ur") is an error naming
// the key path instead of a silently ignored setting. A key given with an
// empty value (null) keeps its default. Every error is a ConfigError naming
// the file and the full key path ("notifications.smtp_port").
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace h2k {

// What all maps of one file share: where errors point, and every key path
// known anywhere in the file (for "did you mean" hints across sections).
struct YamlSource {
  std::string file;                       // as shown in errors
  std::filesystem::path relative_base;    // relative paths in the file are resolved against it
  std::set<std::string> known_paths;
};

class YamlMap {
public:
  YamlMap(YAML::Node node, std::string path, std::shared_ptr<YamlSource> source);

  // Each returns whether the key was given (non-null); `out` keeps its value otherwise.
  bool get(const std::string& key, bool& out);
  bool get(const std::string& key, int& out, int min, int max);
  bool get(const std::string& key, double& out, double min, double max);
  bool get(const std::string& key, std::string& out);
  // A path; relative ones are resolved against the config file's folder.
  bool get_path(const std::string& key, std::filesystem::path& out, bool allow_empty);
  // A path that must be absolute (not resolved against anything: a relative
  // one is an error naming the key); never empty.
  bool get_absolute_path(const std::string& key, std::filesystem::path& out);
  // Seconds as a number (300, 1.5), or a string with a unit: "90s", "5m", "2h".
  bool get_duration(const std::string& key, std::chrono::milliseconds& out,
                    std::chrono::milliseconds min, std::chrono::milliseconds max);
  // One of the names in `choices` (exact, lower case).
  template <typename E>
  bool get_choice(const std::string& key, E& out, const std::vector<std::pair<const char*, E>>& choices);
  // A single string or a list of strings.
  bool get_string_list(const std::string& key, std::vector<std::string>& out);
  // A mapping of strings to strings.
  bool get_string_map(const std::string& key, std::map<std::string, std::string>& out);
  // A nested mapping; an empty one when absent or null, so that its reader
  // still runs and its keys are known (for hints like "belongs under
  // conversion.output_format").
  YamlMap section(const std::string& key);
  // Marks a key as accepted without reading it (kept for compatibility).
  void ignore(const std::string& key, YAML::NodeType::value expected_type, const char* type_name);

  // Whether the key is present (without accepting it).
  bool has(const std::string& key) const;

  // Errors on any key not asked for, and on duplicate keys.
  void finish() const;

  [[noreturn]] void fail(const std::string& key, const std::string& reason) const;
  std::string key_path(const std::string& key) const;
  const std::string& file() const { return source_->file; }

private:
  // The scalar text of a present, non-null key; nullopt when absent or null.
  std::optional<YAML::Node> value(const std::string& key);
  std::string scalar(const std::string& key, const YAML::Node& n, const char* expected) const;
  std::string choice_error(const std::vector<std::string>& names, const std::string& got) const;

  YAML::Node node_;
  std::string path_;
  std::shared_ptr<YamlSource> source_;
  std::set<std::string> known_;
};

template <typename E>
bool YamlMap::get_choice(const std::string& key, E& out, const std::vector<std::pair<const char*, E>>& choices) {
  auto n = value(key);
  if (!n) return false;
  const std::string got = scalar(key, *n, "a name");
  std::vector<std::string> names;
  for (auto& [name, v] : choices) {
    if (got == name) {
      out = v;
      return true;
    }
    names.emplace_back(name);
  }
  fail(key, choice_error(names, got));
}

}  // namespace h2k
