#include "engine/guest/windows/registry_editor.hpp"

namespace h2k::windows {

RegistryEditor::RegistryEditor(RegistryHive& hive, std::string root_name)
    : hive_(hive), root_name_(std::move(root_name)) {}

bool RegistryEditor::set(const std::string& key_path, const std::string& value_name, const RegValue& value,
                         const std::string& note) {
  const auto existing_key = hive_.find(key_path);
  const auto before = existing_key ? hive_.get(*existing_key, value_name) : std::nullopt;
  if (before && *before == value) return false;
  const auto node = existing_key ? *existing_key : hive_.ensure(key_path);
  hive_.set(node, value_name, value);
  changes_.push_back({root_name_ + "\\" + key_path, value_name, before ? describe(*before) : std::string(),
                      describe(value), note});
  return true;
}

}  // namespace h2k::windows
