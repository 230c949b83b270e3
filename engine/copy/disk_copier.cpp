#include "engine/copy/disk_copier.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>

#include <nlohmann/json.hpp>

#include "engine/copy/copy_progress.hpp"
#include "engine/copy/partial_output.hpp"
#include "engine/copy/qemu_img_check.hpp"
#include "engine/copy/qemu_img_message.hpp"
#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/formats/disk_format.hpp"

namespace h2k {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// `qemu-img info` reads headers only; minutes mean a hung storage mount.
constexpr std::chrono::minutes kInfoTimeout{5};

std::string display_name(const SourceDisk& disk) {
  return disk.display_path.empty() ? disk.location.file.string() : disk.display_path.string();
}

void require_free_output_path(const fs::path& out) {
  std::error_code ec;
  if (fs::symlink_status(out, ec).type() != fs::file_type::not_found)
    // Refused rather than overwritten: on failure the copier deletes `out`,
    // and it must never delete a file it did not create.
    throw ConversionError(ErrorKind::Internal, out.string(), "output file already exists");
  if (!fs::is_directory(out.parent_path(), ec))
    throw ConversionError(ErrorKind::Io, out.string(), "output folder does not exist");
}

// qemu-img convert reads past the end of a truncated qcow2/VMDK as zeros and
// exits 0, so a damaged source would become a silently damaged copy. Their
// metadata check (fast: it reads tables, not data) catches that first.
void check_source_metadata(const SourceDisk& disk, const std::string& spec, const std::string& qemu_img,
                           const CancelToken& cancel) {
  const std::string driver = qemu_driver(disk.format);
  if (driver != "qcow2" && driver != "vmdk" && driver != "vhdx") return;
  const std::string display = display_name(disk);
  auto report = qemu_img::run_check(qemu_img, {"-U", spec}, spec, display, cancel);
  if (report.cancelled) throw ConversionError(ErrorKind::Cancelled, display, "cancelled while checking the source");
  if (!report.supported || report.exit_code == 0 || report.exit_code == 3) return;  // leaks do not affect reading
  if (report.corruptions > 0)
    throw ConversionError(ErrorKind::InvalidInput, display,
                          "the disk is damaged: qemu-img check found " + std::to_string(report.corruptions) +
                              " corruptions (" + report.first_error + ")");
  const bool eio = report.first_error.find("Input/output error") != std::string::npos;
  throw ConversionError(eio ? ErrorKind::Io : ErrorKind::InvalidInput, display,
                        "the disk's metadata is damaged or truncated: " + report.first_error);
}

std::vector<std::string> convert_argv(const std::string& spec, const fs::path& out, const CopyOptions& options) {
  std::vector<std::string> argv{options.qemu_img, "convert", "-p"};
  if (options.out_of_order) argv.push_back("-W");
  // qemu-img accepts 1..16 coroutines.
  argv.insert(argv.end(), {"-m", std::to_string(std::clamp(options.coroutines, 1, 16))});
  // The output goes through the page cache (qemu-img's default): `-t none`
  // was slower with a cold source and is refused by tmpfs; fsync_file()
  // below makes the copy durable either way.
  argv.insert(argv.end(), {"-O", to_string(options.format)});
  // compat=1.1 (qcow2 v3) for zero clusters and discard; set explicitly so an
  // older qemu-img default (0.10) cannot produce a weaker image.
  if (options.format == OutputFormat::Qcow2) argv.insert(argv.end(), {"-o", "compat=1.1"});
  // No -f: the json: spec names the driver. Zeroes are skipped (-S 4k default),
  // so both qcow2 and raw outputs are sparse.
  argv.insert(argv.end(), {spec, out.string()});
  return argv;
}

void fsync_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ConversionError(ErrorKind::Io, path.string(), "cannot reopen the copy to flush it");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw ConversionError(ErrorKind::Io, path.string(), "flushing the copy to disk failed");
}

}  // namespace

std::uint64_t query_virtual_size(const SourceDisk& disk, const std::string& qemu_img) {
  const std::string spec = qemu_source_spec(disk);
  const std::string display = display_name(disk);
  SubprocessOptions options;
  options.timeout = kInfoTimeout;
  // --force-share: info only reads headers and must work on a disk another
  // (read-only) process holds open.
  SubprocessResult r = run_subprocess({qemu_img, "info", "--output=json", "--force-share", spec}, options);
  if (r.timed_out) throw ConversionError(ErrorKind::Timeout, display, "qemu-img info did not answer in time");
  if (!r.ok()) {
    std::string message = qemu_img::first_message(r.err, spec, display);
    throw ConversionError(ErrorKind::InvalidInput, display,
                          message.empty() ? "qemu-img info failed (exit " + std::to_string(r.exit_code) + ")"
                                          : message);
  }
  auto info = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (!info.is_object() || !info.contains("virtual-size") || !info["virtual-size"].is_number_unsigned())
    throw ConversionError(ErrorKind::Internal, display, "qemu-img info printed no virtual-size");
  return info["virtual-size"].get<std::uint64_t>();
}

CopyResult copy_disk(const SourceDisk& disk, const fs::path& out_path, const CopyOptions& options,
                     const ProgressSink& progress, const CancelToken& cancel) {
  const auto started = Clock::now();
  const std::string display = display_name(disk);
  const fs::path out = fs::absolute(out_path);   // a leading '/' keeps qemu-img from seeing "x:" as a protocol
  cancel.throw_if_cancelled(display);
  require_free_output_path(out);

  const std::string spec = qemu_source_spec(disk);
  const std::uint64_t virtual_size = query_virtual_size(disk, options.qemu_img);
  check_source_metadata(disk, spec, options.qemu_img, cancel);
  cancel.throw_if_cancelled(display);

  PartialOutput partial(out);   // armed before qemu-img creates the file
  CopyProgressReporter reporter(progress, display, virtual_size, Clock::now());
  // A throwing sink must not unwind through run_subprocess (it would leave
  // qemu-img running): remember the exception, stop the child, rethrow.
  std::exception_ptr sink_error;
  auto report = [&](double percent) {
    if (sink_error) return;
    try {
      reporter.update(percent, Clock::now());
    } catch (...) {
      sink_error = std::current_exception();
    }
  };
  report(0);
  if (sink_error) std::rethrow_exception(sink_error);

  SubprocessOptions run;
  run.cancel = cancel;
  if (options.timeout_s > 0) run.timeout = std::chrono::seconds(options.timeout_s);
  run.capture_stdout = false;
  run.capture_limit = 64 * 1024;
  run.on_stdout_line = [&](const std::string& line) {
    if (auto percent = parse_qemu_progress(line)) report(*percent);
  };
  run.keep_running = [&] { return !sink_error; };
  SubprocessResult r = run_subprocess(convert_argv(spec, out, options), run);

  if (sink_error) std::rethrow_exception(sink_error);
  if (r.cancelled) throw ConversionError(ErrorKind::Cancelled, display, "copy cancelled; partial output removed");
  if (r.timed_out)
    throw ConversionError(ErrorKind::Timeout, display,
                          "copy did not finish within " + std::to_string(options.timeout_s) + " s");
  if (!r.ok()) {
    std::string message = qemu_img::first_message(r.err, spec, display);
    if (message.empty())
      message = r.term_signal ? "qemu-img was killed by signal " + std::to_string(r.term_signal)
                              : "qemu-img convert failed (exit " + std::to_string(r.exit_code) + ")";
    auto failure = qemu_img::classify_convert_failure(message, out.string());
    throw ConversionError(failure.kind, failure.about_output ? out.string() : display, message);
  }
  fsync_file(out);
  reporter.finish(Clock::now());   // a throwing sink here still fails the copy; `partial` removes it

  CopyResult result;
  result.virtual_size = virtual_size;
  result.bytes_written = allocated_bytes(out);
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  partial.release();
  return result;
}

}  // namespace h2k
