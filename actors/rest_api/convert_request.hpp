#pragma once
// POST /convert's body: either a file on the share the daemon can read
// ({"path": "/abs/path.ova", "priority": ..., "name": ...}), queued like
// POST /jobs, or a VM to export from vSphere ({"vm": ..., "vcenter": ...}),
// which the daemon cannot do yet (the exporter comes from engine/vsphere):
// the request is parsed fully already, so wiring it is one function.
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

namespace h2k {

struct ShareConvert {
  nlohmann::json queue_args = nlohmann::json::object();  // queue-job's arguments: path, priority, options.name
};

struct VsphereConvert {
  std::string vm;                  // the VM's name or inventory path
  std::string vcenter;             // the vCenter's host name or URL
  std::optional<std::string> datacenter;
  std::optional<std::string> priority;
  // convert-vm's arguments: the above plus username, password (memory
  // only in the daemon), thumbprint, ca_file, insecure, shutdown, define.
  nlohmann::json args = nlohmann::json::object();
};

struct ConvertParseError {
  std::string message;
};

std::variant<ShareConvert, VsphereConvert, ConvertParseError> parse_convert_request(const nlohmann::json& body);

// POST /jobs's body {"path", "priority", "name"} -> queue-job's arguments.
// Unknown keys are errors, like unknown control arguments.
std::variant<nlohmann::json, ConvertParseError> queue_args_from_body(const nlohmann::json& body);

}  // namespace h2k
