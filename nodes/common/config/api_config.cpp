#include "nodes/common/config/api_config.hpp"

#include <arpa/inet.h>

namespace h2k {

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;  // a name: it may resolve anywhere
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

nlohmann::json to_json(const ApiConfig& api) {
  return {{"listen", api.enabled ? api.listen.to_string() : "off"},
          {"token_file", api.token_file.string()},
          {"max_body_bytes", api.max_body_bytes},
          {"timeout", api.timeout.count()}};
}

}  // namespace h2k
