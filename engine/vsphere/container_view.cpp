#include "engine/vsphere/container_view.hpp"

namespace h2k::vsphere {
namespace {

// Destroys the view however the retrieval ends.
class ViewGuard {
public:
  ViewGuard(const VsphereSession& session, MoRef view) : session_(session), view_(std::move(view)) {}
  ~ViewGuard() {
    try {
      session_.call("<DestroyView xmlns=\"urn:vim25\">" + view_.xml("_this") + "</DestroyView>");
    } catch (...) {
      // Best effort: the server drops it with the session.
    }
  }
  ViewGuard(const ViewGuard&) = delete;
  ViewGuard& operator=(const ViewGuard&) = delete;

private:
  const VsphereSession& session_;
  MoRef view_;
};

// Appends the objects of one RetrievePropertiesEx/Continue... answer and
// returns its continuation token ("" when this was the last page).
std::string collect(const pugi::xml_document& response, std::vector<ObjectProperties>& out) {
  pugi::xml_node returnval = child(body_element(response), "returnval");
  for (pugi::xml_node objects : children(returnval, "objects")) {
    ObjectProperties o;
    o.obj = moref_of(child(objects, "obj"));
    for (pugi::xml_node prop : children(objects, "propSet")) {
      pugi::xml_node val = child(prop, "val");
      o.values[child_text(prop, "name")] = {val.child_value(), val.attribute("type").value()};
    }
    out.push_back(std::move(o));
  }
  return child_text(returnval, "token");
}

}  // namespace

std::vector<ObjectProperties> retrieve_from_view(const VsphereSession& session, const MoRef& container,
                                                 const std::map<std::string, std::vector<std::string>>& paths_by_type) {
  const ServiceContent& sc = session.service();
  std::string create = "<CreateContainerView xmlns=\"urn:vim25\">" + sc.view_manager.xml("_this") +
                       container.xml("container");
  for (const auto& [type, paths] : paths_by_type) create += "<type>" + xml_escape(type) + "</type>";
  create += "<recursive>true</recursive></CreateContainerView>";
  const MoRef view = moref_of(child(body_element(session.call(create)), "returnval"));
  if (view.empty()) throw VsphereError(authority(session.endpoint()) + ": CreateContainerView returned no view");
  ViewGuard guard(session, view);

  std::string retrieve = "<RetrievePropertiesEx xmlns=\"urn:vim25\">" + sc.property_collector.xml("_this") + "<specSet>";
  for (const auto& [type, paths] : paths_by_type) {
    retrieve += "<propSet><type>" + xml_escape(type) + "</type>";
    for (const auto& p : paths) retrieve += "<pathSet>" + xml_escape(p) + "</pathSet>";
    retrieve += "</propSet>";
  }
  retrieve += "<objectSet>" + view.xml("obj") +
              "<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>traverseView</name>"
              "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet>"
              "<options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>";
  std::vector<ObjectProperties> out;
  std::string token = collect(session.call(retrieve), out);
  while (!token.empty()) {
    token = collect(session.call("<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\">" +
                                 sc.property_collector.xml("_this") + "<token>" + xml_escape(token) +
                                 "</token></ContinueRetrievePropertiesEx>"),
                    out);
  }
  return out;
}

}  // namespace h2k::vsphere
