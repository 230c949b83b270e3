// Pure parts of the copier: the json: source spec, output format names,
// qemu-img progress parsing and throttling, and error classification.
#include "tests/unit/copy/copy_test_support.hpp"

#include "engine/copy/copy_progress.hpp"
#include "engine/copy/qemu_img_message.hpp"

using namespace h2k;
using namespace h2k::copy_test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(source_spec)

BOOST_AUTO_TEST_CASE(whole_file_names_driver_and_reads_read_only) {
  SourceDisk d = whole_file_disk("/data/web01-disk1.vmdk", FileKind::VmdkSparse);
  const std::string spec = qemu_source_spec(d);
  BOOST_TEST_REQUIRE(spec.rfind("json:", 0) == 0u);
  auto j = nlohmann::json::parse(spec.substr(5));
  BOOST_TEST(j.at("driver") == "vmdk");
  BOOST_TEST(j.at("read-only") == true);
  BOOST_TEST(j.at("file").at("driver") == "file");
  BOOST_TEST(j.at("file").at("filename") == "/data/web01-disk1.vmdk");
  BOOST_TEST(!j.at("file").contains("offset"));
}

BOOST_AUTO_TEST_CASE(driver_per_format) {
  const std::pair<FileKind, const char*> cases[] = {{FileKind::Raw, "raw"},        {FileKind::Qcow2, "qcow2"},
                                                    {FileKind::VmdkSparse, "vmdk"}, {FileKind::VmdkDescriptor, "vmdk"},
                                                    {FileKind::Vhd, "vpc"},         {FileKind::Vhdx, "vhdx"}};
  for (auto [kind, driver] : cases)
    BOOST_TEST(nlohmann::json::parse(qemu_source_spec(whole_file_disk("/d/x", kind)).substr(5)).at("driver") ==
               driver);
}

BOOST_AUTO_TEST_CASE(special_characters_survive_json_escaping) {
  const std::string name = "/vms/\"quoted\" back\\slash,comma:colon/{brace}\n\xc3\xa9t\xc3\xa9.vmdk";
  auto j = nlohmann::json::parse(qemu_source_spec(whole_file_disk(name, FileKind::VmdkSparse)).substr(5));
  BOOST_TEST(j.at("file").at("filename").get<std::string>() == name);
}

BOOST_AUTO_TEST_CASE(relative_paths_become_absolute) {
  auto j = nlohmann::json::parse(qemu_source_spec(whole_file_disk("disks/a.qcow2", FileKind::Qcow2)).substr(5));
  const fs::path name = j.at("file").at("filename").get<std::string>();
  BOOST_TEST(name.is_absolute());
  BOOST_TEST(name == fs::current_path() / "disks/a.qcow2");
}

BOOST_AUTO_TEST_CASE(offset_without_length_is_still_a_slice) {
  SourceDisk d = whole_file_disk("/x.ova", FileKind::VmdkSparse);
  d.location.offset = 1536;
  auto j = nlohmann::json::parse(qemu_source_spec(d).substr(5));
  BOOST_TEST(j.at("file").at("driver") == "raw");
  BOOST_TEST(j.at("file").at("offset") == 1536);
  BOOST_TEST(!j.at("file").contains("size"));
}

BOOST_AUTO_TEST_CASE(non_utf8_name_is_refused_with_a_reason) {
  expect_error([] { qemu_source_spec(whole_file_disk("/vms/caf\xe9.vmdk", FileKind::VmdkSparse, "caf\xe9.vmdk")); },
               ErrorKind::Unsupported, "caf", "UTF-8");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(output_format_names)

BOOST_AUTO_TEST_CASE(round_trip_and_unknown) {
  for (OutputFormat f : {OutputFormat::Qcow2, OutputFormat::Raw})
    BOOST_TEST(output_format_from_string(to_string(f)) == f);
  BOOST_TEST(std::string(to_string(OutputFormat::Qcow2)) == "qcow2");
  expect_error([] { output_format_from_string("vmdk"); }, ErrorKind::InvalidInput, "", "vmdk");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(qemu_progress)

BOOST_AUTO_TEST_CASE(parses_qemu_img_redraws) {
  BOOST_TEST(parse_qemu_progress("    (12.34/100%)").value() == 12.34);
  BOOST_TEST(parse_qemu_progress("    (0.00/100%)").value() == 0.0);
  BOOST_TEST(parse_qemu_progress("    (100.00/100%)").value() == 100.0);
  BOOST_TEST(!parse_qemu_progress("qemu-img: error while reading"));
  BOOST_TEST(!parse_qemu_progress("(abc/100%)"));
  BOOST_TEST(!parse_qemu_progress("(/100%)"));
  BOOST_TEST(!parse_qemu_progress("(150.00/100%)"));
  BOOST_TEST(!parse_qemu_progress("(12.34/200%)"));
}

struct Recorder {
  std::vector<ProgressEvent> events;
  ProgressSink sink() {
    return [this](const ProgressEvent& e) { events.push_back(e); };
  }
};

BOOST_AUTO_TEST_CASE(throttles_to_half_a_second_but_always_reports_the_end) {
  Recorder rec;
  const auto t0 = CopyProgressReporter::Clock::time_point{} + 1h;
  CopyProgressReporter reporter(rec.sink(), "disk1.vmdk", 1000 * MiB, t0);
  reporter.update(0, t0);                  // first: always
  reporter.update(10, t0 + 100ms);         // too soon
  reporter.update(20, t0 + 400ms);         // too soon
  reporter.update(40, t0 + 500ms);         // due
  reporter.update(30, t0 + 1500ms);        // backwards: ignored
  reporter.update(60, t0 + 700ms + 500ms); // due
  reporter.update(100, t0 + 1300ms);       // the end: always, even if soon
  reporter.update(100, t0 + 2000ms);       // no second 100%
  reporter.finish(t0 + 2100ms);            // already at 100%
  BOOST_TEST_REQUIRE(rec.events.size() == 4u);
  BOOST_TEST(rec.events[0].percent == 0.0);
  BOOST_TEST(rec.events[1].percent == 40.0);
  BOOST_TEST(rec.events[2].percent == 60.0);
  BOOST_TEST(rec.events[3].percent == 100.0);
  BOOST_TEST(reporter.events_sent() == 4);

  const auto& mid = rec.events[1];
  BOOST_TEST(mid.phase == "copy");
  BOOST_TEST(mid.item == "disk1.vmdk");
  BOOST_TEST(mid.bytes_total == 1000 * MiB);
  BOOST_TEST(mid.bytes_done == 400 * MiB);
  BOOST_TEST(mid.rate_bytes_per_s == 800.0 * MiB, boost::test_tools::tolerance(1e-9));   // 400 MiB in 0.5 s
  BOOST_TEST(mid.eta_s == 0.75, boost::test_tools::tolerance(1e-9));                    // 600 MiB left
  BOOST_TEST(rec.events[0].eta_s < 0.0);   // nothing done yet: unknown
  BOOST_TEST(rec.events[3].bytes_done == 1000 * MiB);
  BOOST_TEST(rec.events[3].eta_s == 0.0);
}

BOOST_AUTO_TEST_CASE(finish_reports_100_when_qemu_img_did_not) {
  Recorder rec;
  const auto t0 = CopyProgressReporter::Clock::time_point{} + 1h;
  CopyProgressReporter reporter(rec.sink(), "d", 4096, t0);
  reporter.update(0, t0);
  reporter.update(99.5, t0 + 100ms);
  reporter.finish(t0 + 200ms);
  BOOST_TEST_REQUIRE(rec.events.size() == 2u);
  BOOST_TEST(rec.events.back().percent == 100.0);
  BOOST_TEST(rec.events.back().bytes_done == 4096u);
}

BOOST_AUTO_TEST_CASE(no_sink_is_fine) {
  const auto t0 = CopyProgressReporter::Clock::time_point{} + 1h;
  CopyProgressReporter reporter({}, "d", 4096, t0);
  BOOST_CHECK_NO_THROW(reporter.update(50, t0));
  BOOST_CHECK_NO_THROW(reporter.finish(t0 + 1s));
  BOOST_TEST(reporter.events_sent() == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(qemu_img_messages)

BOOST_AUTO_TEST_CASE(first_message_is_tidied) {
  const std::string spec = "json:{\"driver\":\"vmdk\"}";
  const std::string err = "qemu-img: warning: something minor\n"
                          "qemu-img: Could not open '" + spec + "': Invalid footer\n"
                          "second line\n";
  BOOST_TEST(qemu_img::first_message(err, spec, "web01.ova:disk1.vmdk") ==
             "Could not open 'web01.ova:disk1.vmdk': Invalid footer");
  BOOST_TEST(qemu_img::first_message("", spec, "x").empty());
  BOOST_TEST(qemu_img::first_message("qemu-img: warning: only this\n", "", "") == "warning: only this");
}

BOOST_AUTO_TEST_CASE(check_error_prefers_the_first_error_line) {
  BOOST_TEST(qemu_img::first_check_error("ERROR: cluster offset for sector 0 points after EOF\n"
                                         "qemu-img: Check failed: Invalid argument\n",
                                         "", "") == "ERROR: cluster offset for sector 0 points after EOF");
  BOOST_TEST(qemu_img::first_check_error("qemu-img: Could not open 'x': No such file\n", "", "") ==
             "Could not open 'x': No such file");
}

BOOST_AUTO_TEST_CASE(convert_failures_blame_the_right_file) {
  using qemu_img::classify_convert_failure;
  const std::string out = "/stage/disk1.qcow2";
  auto nospace = classify_convert_failure("error while writing at byte 18874368: No space left on device", out);
  BOOST_TEST(nospace.kind == ErrorKind::NoSpace);
  BOOST_TEST(nospace.about_output);
  auto create = classify_convert_failure(
      out + ": error while converting qcow2: Could not create '" + out + "': Permission denied", out);
  BOOST_TEST(create.kind == ErrorKind::Io);
  BOOST_TEST(create.about_output);
  auto quota = classify_convert_failure("Could not create '/stage/x': Disk quota exceeded", out);
  BOOST_TEST(quota.kind == ErrorKind::NoSpace);
  auto corrupt = classify_convert_failure("error while reading at byte 4718592: Invalid argument", out);
  BOOST_TEST(corrupt.kind == ErrorKind::InvalidInput);
  BOOST_TEST(!corrupt.about_output);
  auto eio = classify_convert_failure("error while reading at byte 0: Input/output error", out);
  BOOST_TEST(eio.kind == ErrorKind::Io);
  BOOST_TEST(!eio.about_output);
  auto open = classify_convert_failure("Could not open 'disk.vmdk': Invalid footer", out);
  BOOST_TEST(open.kind == ErrorKind::InvalidInput);
  BOOST_TEST(!open.about_output);
  auto other = classify_convert_failure("something unexpected", out);
  BOOST_TEST(other.kind == ErrorKind::Internal);
}

BOOST_AUTO_TEST_SUITE_END()
