#include "engine/copy/disk_copier.hpp"

#include "engine/core/error.hpp"

namespace h2k {

const char* to_string(OutputFormat f) {
  switch (f) {
    case OutputFormat::Qcow2: return "qcow2";
    case OutputFormat::Raw: return "raw";
  }
  return "unknown";
}

OutputFormat output_format_from_string(const std::string& s) {
  if (s == "qcow2") return OutputFormat::Qcow2;
  if (s == "raw") return OutputFormat::Raw;
  throw ConversionError(ErrorKind::InvalidInput, "", "unknown output format '" + s + "' (expected qcow2 or raw)");
}

}  // namespace h2k
