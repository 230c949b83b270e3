#include "actors/control_protocol/control_protocol.hpp"

#include <algorithm>
#include <functional>
#include <optional>

namespace h2k {
namespace {

using json = nlohmann::json;

// A check returns what is wrong with a value ("must be ..."), or "" if it is fine.
using Check = std::function<std::string(const json&)>;

struct ArgSpec {
  std::string name;
  bool required;
  Check check;
};

struct CommandSpec {
  std::string name;
  std::vector<ArgSpec> args;
};

// The value as the client sent it, shortened so a huge value cannot turn the
// error reply into a huge line.
std::string shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

Check one_of(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const json& v) -> std::string {
    if (v.is_string() && std::find(allowed.begin(), allowed.end(), v.get<std::string>()) != allowed.end()) return "";
    return "must be one of " + joined(allowed) + " (got " + shown(v) + ")";
  };
}

// The daemon opens the path itself, so it must not depend on the client's
// working directory; hyperctl makes relative paths absolute before sending.
std::string check_absolute_path(const json& v) {
  if (!v.is_string()) return "must be a string (got " + shown(v) + ")";
  const std::string& p = v.get_ref<const std::string&>();
  if (p.empty() || p.front() != '/') return "must be an absolute path (got " + shown(v) + ")";
  if (p.find('\0') != std::string::npos) return "must not contain NUL characters";
  if (p.size() > 4096) return "is longer than 4096 bytes";
  return "";
}

// Ids and names are [A-Za-z0-9._-] (job ids are RocksDB key parts: the same
// rule as storage's is_valid_job_id, kept here so hyperctl does not link
// RocksDB just to validate a string).
std::string check_name_chars(const json& v, std::size_t max_size) {
  if (!v.is_string()) return "must be a string (got " + shown(v) + ")";
  const std::string& id = v.get_ref<const std::string&>();
  const bool valid = !id.empty() && id.size() <= max_size && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
  if (!valid) return "must be 1.." + std::to_string(max_size) + " characters of [A-Za-z0-9._-] (got " + shown(v) + ")";
  return "";
}

std::string check_job_id(const json& v) { return check_name_chars(v, 128); }

// A cluster node's name (cluster.node_name).
std::string check_node_name(const json& v) { return check_name_chars(v, 63); }

std::string check_limit(const json& v) {
  // is_number_integer() is false for 2.5 and for true/false.
  if (v.is_number_integer()) {
    const bool in_range = v.is_number_unsigned() ? v.get<std::uint64_t>() >= 1 && v.get<std::uint64_t>() <= 10000
                                                 : v.get<std::int64_t>() >= 1 && v.get<std::int64_t>() <= 10000;
    if (in_range) return "";
  }
  return "must be an integer from 1 to 10000 (got " + shown(v) + ")";
}

// The VM name becomes the output folder's name (<output_dir>/<name>/), so it
// must be one plain path component.
std::string check_vm_name(const json& v) {
  if (!v.is_string()) return "must be a string (got " + shown(v) + ")";
  const std::string& n = v.get_ref<const std::string&>();
  if (n.empty() || n == "." || n == ".." || n.size() > 200) return "must be a VM name of 1..200 bytes (got " + shown(v) + ")";
  for (char c : n) {
    if (c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return "must not contain '/' or control characters (got " + shown(v) + ")";
  }
  return "";
}

std::string check_queue_options(const json& v) {
  if (!v.is_object()) return "must be an object (got " + shown(v) + ")";
  for (const auto& [key, value] : v.items()) {
    if (key != "name") return "has an unknown option '" + key + "' (known: name)";
    if (std::string problem = check_vm_name(value); !problem.empty()) return "name " + problem;
  }
  return "";
}

// Free text of a vSphere request (VM name or inventory path, host, user).
std::string check_text(const json& v) {
  if (!v.is_string()) return "must be a string (got " + shown(v) + ")";
  const std::string& t = v.get_ref<const std::string&>();
  if (t.empty() || t.size() > 1024) return "must be 1..1024 bytes";
  for (char c : t)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "must not contain control characters";
  return "";
}

// Never shown back: a rejected password must not end up in an error reply.
std::string check_secret(const json& v) {
  if (!v.is_string()) return "must be a string";
  const std::string& t = v.get_ref<const std::string&>();
  if (t.size() > 1024) return "is longer than 1024 bytes";
  if (t.find('\0') != std::string::npos) return "must not contain NUL characters";
  return "";
}

std::string check_bool(const json& v) { return v.is_boolean() ? "" : "must be true or false (got " + shown(v) + ")"; }

std::string check_seq(const json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0)
             ? ""
             : "must be a non-negative integer (got " + shown(v) + ")";
}

const std::vector<CommandSpec>& command_specs() {
  static const std::vector<CommandSpec> specs = [] {
    const Check priority = one_of({"low", "normal", "high"});
    const Check state = one_of({"queued", "running", "retry_wait", "done", "failed", "cancelled"});
    return std::vector<CommandSpec>{
        {"status", {}},
        {"stats", {{"format", false, one_of({"json", "prometheus"})}}},
        {"pause", {}},
        {"resume", {}},
        {"drain", {}},
        {"stop", {}},
        {"queue-job",
         {{"path", true, check_absolute_path}, {"priority", false, priority}, {"options", false, check_queue_options}}},
        {"list-jobs", {{"state", false, state}, {"limit", false, check_limit}}},
        {"job-status", {{"job_id", true, check_job_id}}},
        // The job's journal from line `since` (hyperctl logs ID --follow).
        {"job-log", {{"job_id", true, check_job_id}, {"since", false, check_seq}}},
        // A vSphere VM: exported by an export slot, then converted.
        {"convert-vm",
         {{"vm", true, check_text},
          {"vcenter", true, check_text},
          {"datacenter", false, check_text},
          {"username", false, check_text},
          {"password", false, check_secret},
          {"thumbprint", false, check_text},
          {"ca_file", false, check_absolute_path},
          {"priority", false, priority},
          {"insecure", false, check_bool},
          {"shutdown", false, check_bool},
          {"define", false, check_bool}}},
        {"cancel-job", {{"job_id", true, check_job_id}}},
        {"set-priority", {{"job_id", true, check_job_id}, {"priority", true, priority}}},
        {"retry-job", {{"job_id", true, check_job_id}}},
        // Cluster: the nodes, and one node's draining.
        {"nodes", {}},
        {"drain-node", {{"node", true, check_node_name}}},
        {"undrain-node", {{"node", true, check_node_name}}},
    };
  }();
  return specs;
}

std::string argument_names(const CommandSpec& spec) {
  std::vector<std::string> names;
  for (const auto& a : spec.args) names.push_back(a.name);
  return names.empty() ? "none" : joined(names);
}

}  // namespace

const std::vector<std::string>& control_commands() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& spec : command_specs()) out.push_back(spec.name);
    return out;
  }();
  return names;
}

json error_reply(std::string message) { return json{{"ok", false}, {"error", std::move(message)}}; }

json error_reply(std::string message, const char* kind) {
  return json{{"ok", false}, {"error", std::move(message)}, {"error_kind", kind}};
}

std::variant<ControlRequest, ProtocolError> parse_control_request(std::string_view line) {
  json request;
  try {
    request = json::parse(line);
  } catch (const json::parse_error& e) {
    return ProtocolError{std::string("request is not valid JSON: ") + e.what()};
  }
  if (!request.is_object()) return ProtocolError{"request must be a JSON object, got " + shown(request)};
  auto command_it = request.find("command");
  if (command_it == request.end()) return ProtocolError{"request has no \"command\""};
  if (!command_it->is_string()) return ProtocolError{"\"command\" must be a string, got " + shown(*command_it)};
  const std::string command = command_it->get<std::string>();

  const auto& specs = command_specs();
  auto spec = std::find_if(specs.begin(), specs.end(), [&](const CommandSpec& s) { return s.name == command; });
  if (spec == specs.end())
    return ProtocolError{"unknown command " + shown(*command_it) + " (known: " + joined(control_commands()) + ")"};

  ControlRequest out{command, json::object()};
  for (const auto& [key, value] : request.items()) {
    if (key == "command") continue;
    auto arg = std::find_if(spec->args.begin(), spec->args.end(), [&](const ArgSpec& a) { return a.name == key; });
    // Strict: a misspelt optional argument ("priorty") must not be silently ignored.
    if (arg == spec->args.end())
      return ProtocolError{command + ": unknown argument '" + key + "' (arguments: " + argument_names(*spec) + ")"};
    if (std::string problem = arg->check(value); !problem.empty())
      return ProtocolError{command + ": argument '" + key + "' " + problem};
    out.args[key] = value;
  }
  for (const auto& arg : spec->args) {
    if (arg.required && !out.args.contains(arg.name))
      return ProtocolError{command + ": argument '" + arg.name + "' is required"};
  }
  return out;
}

}  // namespace h2k
