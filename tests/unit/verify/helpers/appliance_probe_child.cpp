// Stand-in for `hyper2kvm __appliance-probe REQUEST.json` (same entry point,
// same parent-death handling), so test_verify does not need the CLI built.
#include <cstdio>
#include <string>

#include "engine/core/subprocess.hpp"
#include "engine/verify/appliance_probe.hpp"

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "__appliance-probe") {
    if (!h2k::die_with_parent_and_own_group()) return 1;
    return h2k::appliance_probe_child_main(argv[2]);
  }
  std::fprintf(stderr, "usage: %s __appliance-probe REQUEST.json\n", argv[0]);
  return 2;
}
