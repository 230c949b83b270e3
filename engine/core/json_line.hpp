#pragma once
// The isolated children (__guest-fix, __boot-journal, __appliance-probe)
// answer their parent in JSON lines on stdout; see engine/core/subprocess.
#include <nlohmann/json.hpp>

namespace h2k {

// Writes `event` as one line on stdout in one go and flushes it: the parent
// reads the channel line by line, so nothing may interleave with it. Bytes
// that are not UTF-8 (a guest's file names and contents are bytes) become
// U+FFFD instead of throwing: an error report must not fail on its reason.
void emit_json_line(const nlohmann::json& event);

}  // namespace h2k
