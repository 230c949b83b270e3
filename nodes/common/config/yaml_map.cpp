#include "nodes/common/config/yaml_map.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "nodes/common/config/config_error.hpp"

namespace h2k {
namespace {

const char* describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return "a single value";
    default: return "nothing";
  }
}

// Numbers in messages: doubles keep a decimal point ("1.0"), as written in YAML.
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000);
  return number(static_cast<double>(ms.count()) / 1000.0);
}

std::optional<double> parse_double(const std::string& s) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string last_segment(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

}  // namespace

YamlMap::YamlMap(YAML::Node node, std::string path, std::shared_ptr<YamlSource> source)
    : node_(std::move(node)), path_(std::move(path)), source_(std::move(source)) {}

std::string YamlMap::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

void YamlMap::fail(const std::string& key, const std::string& reason) const {
  throw ConfigError(source_->file, key.empty() ? path_ : key_path(key), reason);
}

std::optional<YAML::Node> YamlMap::value(const std::string& key) {
  known_.insert(key);
  source_->known_paths.insert(key_path(key));
  const YAML::Node& map = node_;  // const: operator[] on a non-const node would insert the key
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  return n;
}

std::string YamlMap::scalar(const std::string& key, const YAML::Node& n, const char* expected) const {
  if (!n.IsScalar()) fail(key, std::string("expected ") + expected + ", got " + describe(n));
  return n.Scalar();
}

std::string YamlMap::choice_error(const std::vector<std::string>& names, const std::string& got) const {
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) list += (i ? (i + 1 == names.size() ? " or " : ", ") : "") + names[i];
  return "must be " + list + " (got '" + got + "')";
}

bool YamlMap::get(const std::string& key, bool& out) {
  auto n = value(key);
  if (!n) return false;
  const std::string s = scalar(key, *n, "true or false");
  // YAML 1.1 booleans, as the Python daemon's PyYAML read them.
  static const std::vector<std::string> yes{"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static const std::vector<std::string> no{"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
  if (std::find(yes.begin(), yes.end(), s) != yes.end()) out = true;
  else if (std::find(no.begin(), no.end(), s) != no.end()) out = false;
  else fail(key, "expected true or false (got '" + s + "')");
  return true;
}

bool YamlMap::get(const std::string& key, int& out, int min, int max) {
  auto n = value(key);
  if (!n) return false;
  const std::string s = scalar(key, *n, "a whole number");
  long long v = 0;
  const char* first = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), v);
  if (s.empty() || ec == std::errc::invalid_argument || ptr != s.data() + s.size())
    fail(key, "expected a whole number (got '" + s + "')");
  if (ec == std::errc::result_out_of_range || v < min || v > max)
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + " (got " + s + ")");
  out = static_cast<int>(v);
  return true;
}

bool YamlMap::get(const std::string& key, double& out, double min, double max) {
  auto n = value(key);
  if (!n) return false;
  const std::string s = scalar(key, *n, "a number");
  auto v = parse_double(s);
  if (!v) fail(key, "expected a number (got '" + s + "')");
  if (*v < min) fail(key, "must be >= " + number(min) + " (got " + s + ")");
  if (*v > max) fail(key, "must be <= " + number(max) + " (got " + s + ")");
  out = *v;
  return true;
}

bool YamlMap::get(const std::string& key, std::string& out) {
  auto n = value(key);
  if (!n) return false;
  out = scalar(key, *n, "a string");
  return true;
}

bool YamlMap::get_path(const std::string& key, std::filesystem::path& out, bool allow_empty) {
  std::string s;
  if (!get(key, s)) return false;
  if (s.empty()) {
    if (!allow_empty) fail(key, "must not be empty");
    out.clear();
    return true;
  }
  if (s[0] == '~') fail(key, "'~' is not expanded; write the full path (got '" + s + "')");
  std::filesystem::path p(s);
  out = (p.is_absolute() ? p : source_->relative_base / p).lexically_normal();
  if (!out.has_filename() && out.has_relative_path()) out = out.parent_path();  // "/srv/out/" -> "/srv/out"
  return true;
}

bool YamlMap::get_absolute_path(const std::string& key, std::filesystem::path& out) {
  std::string s;
  if (!get(key, s)) return false;
  if (s.empty()) fail(key, "must not be empty");
  if (s[0] == '~') fail(key, "'~' is not expanded; write the full path (got '" + s + "')");
  std::filesystem::path p(s);
  if (!p.is_absolute())
    fail(key, "must be an absolute path; it is not resolved against the config file's folder (got '" + s + "')");
  out = p.lexically_normal();
  if (!out.has_filename() && out.has_relative_path()) out = out.parent_path();  // "/srv/state/" -> "/srv/state"
  return true;
}

bool YamlMap::get_duration(const std::string& key, std::chrono::milliseconds& out, std::chrono::milliseconds min,
                           std::chrono::milliseconds max) {
  auto n = value(key);
  if (!n) return false;
  const std::string s = scalar(key, *n, "a duration in seconds");
  double unit = 1.0;
  std::string digits = s;
  if (!s.empty()) {
    switch (s.back()) {
      case 's': unit = 1.0; digits.pop_back(); break;
      case 'm': unit = 60.0; digits.pop_back(); break;
      case 'h': unit = 3600.0; digits.pop_back(); break;
      default: break;
    }
  }
  auto v = parse_double(digits);
  if (!v) fail(key, "expected a duration: seconds as a number (300) or with a unit (90s, 5m, 2h) (got '" + s + "')");
  const double ms = *v * unit * 1000.0;
  if (ms < static_cast<double>(min.count()) || ms > static_cast<double>(max.count()))
    fail(key, "must be between " + seconds_text(min) + " and " + seconds_text(max) + " seconds (got " + s + ")");
  out = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(std::llround(ms)));
  return true;
}

bool YamlMap::get_string_list(const std::string& key, std::vector<std::string>& out) {
  auto n = value(key);
  if (!n) return false;
  std::vector<std::string> list;
  if (n->IsScalar()) {
    list.push_back(n->Scalar());
  } else if (n->IsSequence()) {
    for (std::size_t i = 0; i < n->size(); ++i) {
      const YAML::Node item = (*n)[i];
      if (!item.IsScalar())
        fail(key + "[" + std::to_string(i) + "]", std::string("expected a string, got ") + describe(item));
      list.push_back(item.Scalar());
    }
  } else {
    fail(key, std::string("expected a string or a list of strings, got ") + describe(*n));
  }
  out = std::move(list);
  return true;
}

bool YamlMap::get_string_map(const std::string& key, std::map<std::string, std::string>& out) {
  auto n = value(key);
  if (!n) return false;
  if (!n->IsMap()) fail(key, std::string("expected a mapping of names to values, got ") + describe(*n));
  std::map<std::string, std::string> map;
  for (auto it = n->begin(); it != n->end(); ++it) {
    if (!it->first.IsScalar()) fail(key, "names must be strings");
    const std::string name = it->first.Scalar();
    if (!it->second.IsScalar())
      fail(key + "." + name, std::string("expected a string, got ") + describe(it->second));
    if (!map.emplace(name, it->second.Scalar()).second) fail(key + "." + name, "given twice");
  }
  out = std::move(map);
  return true;
}

YamlMap YamlMap::section(const std::string& key) {
  auto n = value(key);
  if (!n) return YamlMap(YAML::Node(YAML::NodeType::Map), key_path(key), source_);
  if (!n->IsMap()) fail(key, std::string("expected a mapping of keys, got ") + describe(*n));
  return YamlMap(*n, key_path(key), source_);
}

void YamlMap::ignore(const std::string& key, YAML::NodeType::value expected_type, const char* type_name) {
  auto n = value(key);
  if (n && n->Type() != expected_type) fail(key, std::string("expected ") + type_name + ", got " + describe(*n));
}

bool YamlMap::has(const std::string& key) const {
  const YAML::Node& map = node_;
  return map[key].IsDefined();
}

void YamlMap::finish() const {
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) fail("", "keys must be plain names, got " + std::string(describe(it->first)));
    const std::string key = it->first.Scalar();
    if (!seen.insert(key).second) fail(key, "given twice");
    if (known_.count(key)) continue;
    std::string hint;
    for (auto& k : known_)
      if (key.size() > 2 && edit_distance(key, k) <= 2) {
        hint = " (did you mean " + key_path(k) + "?)";
        break;
      }
    if (hint.empty())
      for (auto& p : source_->known_paths)
        if (last_segment(p) == key && p != key_path(key)) {
          hint = " (it belongs under another section: " + p + ")";
          break;
        }
    fail(key, "unknown key" + hint);
  }
}

}  // namespace h2k
