#include "engine/inputs/vm_name.hpp"

namespace h2k {

std::string sanitise_vm_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    out += ok ? c : '_';
  }
  std::size_t lead = out.find_first_not_of(".-");
  out = lead == std::string::npos ? std::string() : out.substr(lead);
  if (out.size() > 200) out.resize(200);
  if (out.find_first_not_of('_') == std::string::npos) return "vm";
  return out;
}

}  // namespace h2k
