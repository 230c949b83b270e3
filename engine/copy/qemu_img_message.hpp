#pragma once
// Turning qemu-img's stderr into error messages users can act on, and
// deciding whose fault a failed convert is (source, output, or disk space).
// Internal to engine/copy; pure functions so they are unit-tested directly.
#include <string>

#include "engine/core/error.hpp"

namespace h2k::qemu_img {

// The first meaningful stderr line, trimmed, without the "qemu-img: " prefix,
// with the json: spec replaced by the name the user knows (`display`).
// Warnings are skipped when an error line follows. "" when stderr is empty.
std::string first_message(const std::string& stderr_text, const std::string& spec, const std::string& display);

// The first "ERROR..." line `qemu-img check` printed, else first_message().
std::string first_check_error(const std::string& stderr_text, const std::string& spec, const std::string& display);

struct ConvertFailure {
  ErrorKind kind = ErrorKind::Internal;
  bool about_output = false;   // true: name the output file; false: the source
};

// Classifies a failed `qemu-img convert` from its message (see first_message):
// no space -> NoSpace(output); a write/create failure -> Io(output); a read
// failure -> Io (EIO) or InvalidInput (corrupt data) on the source; an open
// failure -> InvalidInput(source); anything else -> Internal(source).
ConvertFailure classify_convert_failure(const std::string& message, const std::string& output_path);

}  // namespace h2k::qemu_img
