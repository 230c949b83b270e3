#pragma once
// Classification of text files (OVF, VMX, manifest, VMDK descriptor), kept
// apart from the binary magic checks in disk_format.cpp. Internal to formats.
#include <string>
#include <string_view>

#include "engine/formats/disk_format.hpp"

namespace h2k::text_probe {

// True when `head` looks like text: no NUL bytes and almost no control characters.
bool looks_like_text(std::string_view head);

// Value of the first `createType="..."` line, or "" if there is none.
std::string find_create_type(std::string_view text);

// Classifies a text head. `complete` says whether `head` is the whole file
// (if not, its last line may be cut and a JSON document may be truncated).
ProbeResult classify_text(std::string_view head, bool complete);

}  // namespace h2k::text_probe
