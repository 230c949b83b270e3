#include <chrono>

#include <nlohmann/json.hpp>

#include "engine/copy/disk_copier.hpp"
#include "engine/copy/qemu_img_check.hpp"
#include "engine/copy/qemu_img_message.hpp"
#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"

namespace h2k {
namespace {

constexpr std::chrono::minutes kInfoTimeout{5};

// `qemu-img info` must open the image as `format` and report its size.
std::uint64_t open_and_measure(const std::filesystem::path& image, OutputFormat format, const std::string& qemu_img) {
  SubprocessOptions options;
  options.timeout = kInfoTimeout;
  auto r = run_subprocess({qemu_img, "info", "--output=json", "-f", to_string(format), image.string()}, options);
  if (r.timed_out) throw ConversionError(ErrorKind::Timeout, image.string(), "qemu-img info did not answer in time");
  if (!r.ok())
    throw ConversionError(ErrorKind::Io, image.string(),
                          "qemu-img cannot open it as " + std::string(to_string(format)) + ": " +
                              qemu_img::first_message(r.err, "", ""));
  auto info = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (!info.is_object() || !info.contains("virtual-size") || !info["virtual-size"].is_number_unsigned())
    throw ConversionError(ErrorKind::Internal, image.string(), "qemu-img info printed no virtual-size");
  return info["virtual-size"].get<std::uint64_t>();
}

void check_qcow2(const std::filesystem::path& image, const std::string& qemu_img) {
  auto report = qemu_img::run_check(qemu_img, {"-f", "qcow2", image.string()}, "", "", CancelToken());
  if (report.exit_code == 0) return;
  // Leaked clusters (exit 3) only waste space; every guest byte is still
  // where it belongs, so they do not fail a conversion.
  if (report.exit_code == 3 && report.corruptions == 0) return;
  if (report.corruptions > 0)
    throw ConversionError(ErrorKind::Io, image.string(),
                          "qemu-img check found " + std::to_string(report.corruptions) + " corruptions (" +
                              report.first_error + ")");
  throw ConversionError(ErrorKind::Io, image.string(),
                        "qemu-img check could not complete (exit " + std::to_string(report.exit_code) +
                            (report.check_errors ? ", " + std::to_string(report.check_errors) + " check errors" : "") +
                            "): " + report.first_error);
}

}  // namespace

void check_image(const std::filesystem::path& image, OutputFormat format, const std::string& qemu_img,
                 std::uint64_t expected_virtual_size) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(image, ec))
    throw ConversionError(ErrorKind::Io, image.string(), "the converted disk is missing");
  const std::uint64_t size = open_and_measure(image, format, qemu_img);
  // For raw this is the file size: a short file means a lost tail.
  if (expected_virtual_size != 0 && size != expected_virtual_size)
    throw ConversionError(ErrorKind::Io, image.string(),
                          "virtual size is " + std::to_string(size) + " bytes, expected " +
                              std::to_string(expected_virtual_size));
  if (format == OutputFormat::Qcow2) check_qcow2(image, qemu_img);
}

}  // namespace h2k
