// Stand-in for `hyper2kvm __guest-fix REQUEST.json` (same entry point).
#include <cstdio>
#include <string>

#include "engine/guest/guest_fix_runner.hpp"

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "__guest-fix") return h2k::guest_fix_child_main(argv[2]);
  std::fprintf(stderr, "usage: %s __guest-fix REQUEST.json\n", argv[0]);
  return 2;
}
