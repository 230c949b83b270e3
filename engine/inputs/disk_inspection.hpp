#pragma once
// Identifies one disk image from its bytes, wherever they live (a file, or a
// slice of an OVA), before the formats library validates its header.
// Internal to inputs.
#include "engine/formats/byte_source.hpp"
#include "engine/formats/disk_format.hpp"

namespace h2k {

// True for the kinds a disk's bytes may have (not containers or descriptions).
bool is_disk_image_kind(FileKind kind);

// Probes `src` (head and tail, as probe_file does). Throws ConversionError
// naming `src.name()`: Unsupported for gzip data, InvalidInput when the bytes
// are not a disk image (an OVF, a tar, text, ...).
ProbeResult probe_disk(const ByteSource& src);

}  // namespace h2k
