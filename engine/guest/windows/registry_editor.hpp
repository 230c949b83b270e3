#pragma once
// Sets registry values by full key path and remembers what actually changed
// (value before/after), so every edit the fixer makes ends up in the report.
// Setting a value to what it already holds is not a change and is not recorded,
// which makes re-running a conversion on the same guest idempotent.
#include <string>
#include <vector>

#include "engine/guest/windows/registry_hive.hpp"

namespace h2k::windows {

struct RegistryChange {
  std::string key;      // full name, e.g. "HKLM\\SYSTEM\\ControlSet001\\Services\\viostor"
  std::string value;    // value name ("" = default value)
  std::string before;   // "" when the value did not exist
  std::string after;    // describe(new value)
  std::string note;     // why (e.g. "virtio-blk boot driver")
};

class RegistryEditor {
public:
  // `root_name` is how the hive is mounted in Windows, e.g. "HKLM\\SYSTEM".
  RegistryEditor(RegistryHive& hive, std::string root_name);

  RegistryHive& hive() { return hive_; }
  const std::string& root_name() const { return root_name_; }

  // Creates the key if needed; records and returns true when the value changed.
  bool set(const std::string& key_path, const std::string& value_name, const RegValue& value,
           const std::string& note = {});

  const std::vector<RegistryChange>& changes() const { return changes_; }

private:
  RegistryHive& hive_;
  std::string root_name_;
  std::vector<RegistryChange> changes_;
};

}  // namespace h2k::windows
