#pragma once
// Reading many objects' properties at once: a ContainerView over a folder
// (recursive), one RetrievePropertiesEx with a traversal of the view, the
// ContinueRetrievePropertiesEx pages after it, and DestroyView (a view left
// behind lives on the server until the session ends).
#include <map>
#include <string>
#include <vector>

#include "engine/vsphere/vsphere_session.hpp"

namespace h2k::vsphere {

// A property's value as text; `ref_type` is set when the value is a MoRef
// (its text is then the MoRef's value).
struct PropertyValue {
  std::string text;
  std::string ref_type;
};

struct ObjectProperties {
  MoRef obj;
  std::map<std::string, PropertyValue> values;  // by property path
  std::string text(const std::string& path) const {
    auto it = values.find(path);
    return it == values.end() ? std::string() : it->second.text;
  }
};

// Every object of the given types under `container` (recursively) with the
// listed properties of its type (`paths_by_type`: type -> property paths).
std::vector<ObjectProperties> retrieve_from_view(const VsphereSession& session, const MoRef& container,
                                                 const std::map<std::string, std::vector<std::string>>& paths_by_type);

}  // namespace h2k::vsphere
