#pragma once
// Tolerant field readers for rendering the daemon's replies: a field that is
// missing, null or of an unexpected type shows as a placeholder instead of
// aborting the whole view (the daemon may add or drop fields over time).
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace h2k::hyperctl {

// Strings as they are, numbers and booleans as JSON text; `fallback` otherwise.
inline std::string text_field(const nlohmann::json& obj, const char* key, const std::string& fallback = "-") {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return it->dump();
  return fallback;
}

inline std::optional<double> number_field(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// The member, or a null value when absent.
inline const nlohmann::json& member(const nlohmann::json& obj, const char* key) {
  static const nlohmann::json null_value;  // immutable: shared "absent" value, not state
  if (!obj.is_object()) return null_value;
  auto it = obj.find(key);
  return it == obj.end() ? null_value : *it;
}

}  // namespace h2k::hyperctl
