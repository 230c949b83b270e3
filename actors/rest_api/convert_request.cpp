#include "actors/rest_api/convert_request.hpp"

#include <set>

namespace h2k {
namespace {

using json = nlohmann::json;

std::optional<std::string> unknown_key(const json& body, const std::set<std::string>& known) {
  for (const auto& [key, value] : body.items())
    if (!known.count(key)) return key;
  return std::nullopt;
}

std::string joined(const std::set<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// A string member, or nullopt when absent; an error when it is not a string.
std::variant<std::optional<std::string>, ConvertParseError> string_member(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return ConvertParseError{std::string("\"") + key + "\" must be a string"};
  return std::optional<std::string>{it->get<std::string>()};
}

}  // namespace

std::variant<json, ConvertParseError> queue_args_from_body(const json& body) {
  static const std::set<std::string> known{"path", "priority", "name"};
  if (!body.is_object()) return ConvertParseError{"the body must be a JSON object"};
  if (auto key = unknown_key(body, known))
    return ConvertParseError{"unknown key \"" + *key + "\" (known: " + joined(known) + ")"};
  if (!body.contains("path")) return ConvertParseError{"\"path\" is required (an absolute path the daemon can read)"};
  // Types and values are checked by the control protocol, like the socket's.
  json args{{"path", body["path"]}};
  if (body.contains("priority")) args["priority"] = body["priority"];
  if (body.contains("name")) args["options"] = {{"name", body["name"]}};
  return args;
}

std::variant<ShareConvert, VsphereConvert, ConvertParseError> parse_convert_request(const json& body) {
  if (!body.is_object()) return ConvertParseError{"the body must be a JSON object"};
  const bool has_path = body.contains("path");
  const bool has_vm = body.contains("vm");
  if (has_path && has_vm) return ConvertParseError{"give \"path\" (a file on the share) or \"vm\" (vSphere), not both"};
  if (!has_path && !has_vm)
    return ConvertParseError{"give \"path\" (a file on the share) or \"vm\" and \"vcenter\" (a vSphere VM)"};
  if (has_path) {
    auto args = queue_args_from_body(body);
    if (auto* e = std::get_if<ConvertParseError>(&args)) return *e;
    return ShareConvert{std::get<json>(std::move(args))};
  }
  static const std::set<std::string> known{"vm",         "vcenter",  "datacenter", "priority", "username", "password",
                                           "thumbprint", "ca_file",  "insecure",   "shutdown", "define"};
  if (auto key = unknown_key(body, known))
    return ConvertParseError{"unknown key \"" + *key + "\" (known for a vSphere VM: " + joined(known) + ")"};
  VsphereConvert v;
  for (const char* key : {"datacenter", "priority", "username", "password", "thumbprint", "ca_file"}) {
    auto value = string_member(body, key);
    if (auto* e = std::get_if<ConvertParseError>(&value)) return *e;
    if (auto s = std::get<std::optional<std::string>>(value)) v.args[key] = *s;
  }
  for (const char* key : {"insecure", "shutdown", "define"}) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_boolean()) return ConvertParseError{std::string("\"") + key + "\" must be true or false"};
    v.args[key] = it->get<bool>();
  }
  for (auto [key, out] : {std::pair<const char*, std::string*>{"vm", &v.vm}, {"vcenter", &v.vcenter}}) {
    auto value = string_member(body, key);
    if (auto* e = std::get_if<ConvertParseError>(&value)) return *e;
    auto s = std::get<std::optional<std::string>>(value);
    if (!s || s->empty()) return ConvertParseError{std::string("\"") + key + "\" is required for a vSphere VM"};
    *out = *s;
    v.args[key] = *s;
  }
  if (v.args.contains("priority")) v.priority = v.args["priority"].get<std::string>();
  if (v.args.contains("datacenter")) v.datacenter = v.args["datacenter"].get<std::string>();
  return v;
}

}  // namespace h2k
