#pragma once
// Helpers for the watcher tests: a watch folder, a tracker driven by an
// explicit clock, and real VM files (qemu-img disks, tar-made OVAs, OVF and
// VMX texts the engine's parsers accept).
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "actors/watcher/watch_tracker.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k::watcher_test {

namespace fs = std::filesystem;
using namespace test;

// The defaults of the daemon: 3 checks 1 s apart, 30 s timeout, 10 s grace.
inline WatchSettings settings_for(const fs::path& dir) {
  WatchSettings s;
  s.watch_dir = dir;
  return s;
}

// Everything a run of scans produced.
struct Scans {
  std::vector<ReadyVm> ready;
  std::vector<WatchProblem> problems;
  bool pending_at_end = false;
};

// Scans at from, from+step, ... to (inclusive).
inline Scans scan_range(WatchTracker& tracker, std::int64_t from, std::int64_t to, std::int64_t step = 1000) {
  Scans all;
  for (std::int64_t t = from; t <= to; t += step) {
    auto r = tracker.scan(t);
    all.ready.insert(all.ready.end(), r.ready.begin(), r.ready.end());
    all.problems.insert(all.problems.end(), r.problems.begin(), r.problems.end());
    all.pending_at_end = r.pending;
  }
  return all;
}

inline std::vector<std::string> source_names(const ReadyVm& vm) {
  std::vector<std::string> out;
  for (const auto& s : vm.sources) out.push_back(s.generic_string());
  return out;
}

inline void append(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::app);
  out << bytes;
  BOOST_TEST_REQUIRE(out.good(), "cannot append to " << file);
}

// A real OVA: tar of one small text file (the watcher never opens it).
inline void make_ova(const fs::path& ova, const std::string& content = "payload\n") {
  ScratchDir tmp("ova-src");
  write_file(tmp / "vm.ovf", content);
  run_ok({"tar", "-cf", ova.string(), "-C", tmp.path().string(), "vm.ovf"});
}

inline void make_stream_vmdk(const fs::path& path) { qemu_create(path, "vmdk", "1M", "subformat=streamOptimized"); }

// An OVF whose disks are the given hrefs, in that order.
inline std::string ovf_with_disks(const std::vector<std::string>& hrefs) {
  std::string refs, disks;
  for (std::size_t i = 0; i < hrefs.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    refs += "    <File ovf:href=\"" + hrefs[i] + "\" ovf:id=\"file" + n + "\"/>\n";
    disks += "    <Disk ovf:capacity=\"1048576\" ovf:diskId=\"vmdisk" + n + "\" ovf:fileRef=\"file" + n +
             "\" ovf:format=\"http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized\"/>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\"\n"
         "          xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\">\n"
         "  <References>\n" + refs + "  </References>\n"
         "  <DiskSection>\n    <Info>Virtual disk information</Info>\n" + disks + "  </DiskSection>\n"
         "  <VirtualSystem ovf:id=\"web\">\n    <Info>A virtual machine</Info>\n  </VirtualSystem>\n"
         "</Envelope>\n";
}

// A VMX attaching the given disk file names (scsi0:0, scsi0:1, ...).
inline std::string vmx_with_disks(const std::vector<std::string>& files) {
  std::string text = "displayName = \"app\"\nguestOS = \"debian11-64\"\nmemSize = \"1024\"\n"
                     "scsi0.present = \"TRUE\"\nscsi0.virtualDev = \"pvscsi\"\n";
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string dev = "scsi0:" + std::to_string(i);
    text += dev + ".present = \"TRUE\"\n" + dev + ".deviceType = \"scsi-hardDisk\"\n" + dev + ".fileName = \"" +
            files[i] + "\"\n";
  }
  return text;
}

inline bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace h2k::watcher_test
