#include "nodes/common/config/export_config.hpp"

namespace h2k {

nlohmann::json to_json(const VsphereConfig& v) {
  return {{"username", v.username}, {"credentials_file", v.credentials_file.string()}};
}

nlohmann::json to_json(const ExportConfig& e) {
  return {{"concurrent_exports", e.concurrent_exports},
          {"parallel_disks", e.parallel_disks},
          {"lease_ready_timeout", e.lease_ready_timeout.count() / 1000},
          {"shutdown_timeout", e.shutdown_timeout.count() / 1000}};
}

}  // namespace h2k
