#pragma once
// The "suggestion" of a failure report: what the operator should do next,
// chosen by the engine's error kind and refined by what the error says.
#include <string>

namespace h2k {

// `error_kind` is an ErrorKind name ("invalid_input", "no_space", ...; see
// engine/core/error.hpp); unknown kinds get the generic advice. Never empty.
// Says nothing about retries: only the caller knows whether one follows
// (build_error_report adds that).
std::string suggest_fix(const std::string& error_kind, const std::string& error);

}  // namespace h2k
