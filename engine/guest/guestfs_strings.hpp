#pragma once
// Ownership helpers for libguestfs results: it returns malloc'ed strings and
// NULL-terminated lists of malloc'ed strings that the caller must free.
#include <cstdlib>
#include <string>
#include <vector>

namespace h2k {

inline std::string take_string(char* s) {
  if (!s) return {};
  std::string out(s);
  std::free(s);
  return out;
}

inline std::vector<std::string> take_list(char** list) {
  std::vector<std::string> out;
  if (!list) return out;
  for (char** p = list; *p; ++p) {
    out.emplace_back(*p);
    std::free(*p);
  }
  std::free(list);
  return out;
}

}  // namespace h2k
