#include "engine/core/json_line.hpp"

#include <cstdio>
#include <string>

namespace h2k {

void emit_json_line(const nlohmann::json& event) {
  std::string line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace h2k
