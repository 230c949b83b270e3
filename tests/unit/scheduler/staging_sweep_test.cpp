// Staging folder names (".<vm>.partial-<job>.e<epoch>.<instance>"): what the
// sweep may take for a daemon's own dead attempt, and what it must leave
// alone; and the test-only fault plan (H2K_FAULT) that must refuse a typo
// rather than silently test nothing.
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

#include "actors/common/fault_injection.hpp"
#include "actors/scheduler/staging_sweep.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(staging_names)

BOOST_AUTO_TEST_CASE(a_staging_tag_round_trips_through_the_folder_name) {
  BOOST_TEST(staging_tag("job-12", 3, "0badcafe") == "job-12.e3.0badcafe");
  for (const std::string vm : {"web01", "web.01", "my vm", "a.partial-b", "x"}) {
    for (const std::string job : {"job-12", "web01-2026.11", "j"}) {
      for (std::uint64_t epoch : {1ull, 42ull, 18446744073709551615ull}) {
        const std::string name = "." + vm + ".partial-" + staging_tag(job, epoch, "0badcafe");
        auto parsed = parse_staging_folder(name);
        BOOST_TEST_REQUIRE(parsed.has_value(), name);
        BOOST_TEST(parsed->job_id == job, name);
        BOOST_TEST(parsed->epoch == epoch, name);
        BOOST_TEST(parsed->instance == "0badcafe", name);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(names_not_written_by_a_daemon_are_rejected) {
  for (const std::string name : {
           "",
           ".",
           "web01",                                    // a published VM
           "web01.partial-job-1.e1.0badcafe",          // not hidden
           ".web01.partial-12345-1",                   // `hyperctl convert`: <pid>-<n>
           ".web01.partial-",                          // no tag
           ".web01.partial-job-1.e1.",                 // no instance
           ".web01.partial-job-1.0badcafe",            // no epoch
           ".web01.partial-job-1.x1.0badcafe",         // epoch without 'e'
           ".web01.partial-job-1.e.0badcafe",          // empty epoch
           ".web01.partial-job-1.e1x.0badcafe",        // epoch not a number
           ".web01.partial-job-1.e-1.0badcafe",        // negative epoch
           ".web01.partial-job-1.e99999999999999999999.0badcafe",  // epoch overflows
           ".web01.partial-.e1.0badcafe",              // no job id
           ".web01.tmp-job-1.e1.0badcafe",             // another kind of folder
           ".partial-job-1.e1.0badcafe",               // no VM name
       }) {
    BOOST_TEST(!parse_staging_folder(name).has_value(), "'" << name << "' taken for a staging folder");
  }
}

BOOST_AUTO_TEST_CASE(the_sweep_removes_only_the_dead_staging_of_its_own_instance) {
  ScratchDir dir("staging-sweep");
  const fs::path out = dir.path();
  auto staging = [&](const fs::path& parent, const std::string& job, std::uint64_t epoch, const std::string& inst) {
    const fs::path p = parent / (".vm.partial-" + staging_tag(job, epoch, inst));
    write_file(p / "disk.part", "x");
    return p;
  };
  const fs::path day = out / "2026-12-03";
  const fs::path dead = staging(day, "job-1", 1, "aaaa0001");
  const fs::path alive = staging(day, "job-1", 2, "aaaa0001");
  const fs::path at_root = staging(out, "job-2", 1, "aaaa0001");
  const fs::path deep = staging(day / "web01", "job-3", 1, "aaaa0001");  // inside a published VM: not a staging place
  const fs::path other = staging(day, "job-1", 1, "bbbb0002");
  write_file(day / ".vm.partial-job-4.e1.aaaa0001", "a file, not a folder");
  auto removed = sweep_staging(out, "aaaa0001", [](const StagingName& n) { return n.epoch == 1; });
  BOOST_TEST(removed.size() == 2u);
  BOOST_TEST(!fs::exists(dead));
  BOOST_TEST(!fs::exists(at_root));
  BOOST_TEST(fs::exists(alive), "the predicate said it is alive");
  BOOST_TEST(fs::exists(deep));
  BOOST_TEST(fs::exists(other), "another daemon's");
  BOOST_TEST(fs::exists(day / ".vm.partial-job-4.e1.aaaa0001"));
  BOOST_TEST(sweep_staging(out / "missing", "aaaa0001", [](const StagingName&) { return true; }).empty());
}

// The race fence_staging settles, in both orders, as the file system sees
// them: the lost holder's rename (staging -> output) against the
// coordinator's (staging -> fenced name).
BOOST_AUTO_TEST_CASE(a_fenced_staging_folder_can_no_longer_be_published_and_is_swept_as_dead) {
  ScratchDir dir("staging-fence");
  const fs::path out = dir.path();
  const fs::path staging = staging_folder(out, "2026-12-03/web01", staging_tag("job-7", 2, "aaaa0001"));
  BOOST_TEST(staging == out / "2026-12-03" / ".web01.partial-job-7.e2.aaaa0001");
  write_file(staging / "disk.qcow2", "the whole disk");

  const StagingFence f = fence_staging(staging);
  BOOST_TEST_REQUIRE((f.result == StagingFence::Result::fenced), f.error);
  BOOST_TEST(f.path == out / "2026-12-03" / ".web01.partial-job-7.e2.aaaa0001~fenced");
  BOOST_TEST(read_file(f.path / "disk.qcow2") == "the whole disk", "moved whole, not deleted");
  // The old holder's publish, after the fence: nothing to rename.
  const fs::path output = out / "2026-12-03" / "web01";
  BOOST_TEST(::rename(staging.c_str(), output.c_str()) == -1);
  BOOST_TEST(errno == ENOENT);
  BOOST_TEST(!fs::exists(output));
  // Still that attempt's, to the sweeps: removed with the dead attempt.
  auto parsed = parse_staging_folder(f.path.filename().string());
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(parsed->job_id == "job-7");
  BOOST_TEST(parsed->epoch == 2u);
  BOOST_TEST(parsed->instance == "aaaa0001");
  BOOST_TEST(parsed->fenced);
  BOOST_TEST(!parse_staging_folder(staging.filename().string())->fenced, "a live attempt's staging is not fenced");
  // A VM whose name ends like the mark is not taken for a fenced folder.
  BOOST_TEST(!parse_staging_folder(".db.fenced.partial-job-9.e1.aaaa0001")->fenced);
  auto removed = sweep_staging(out, "aaaa0001", [](const StagingName& n) { return n.job_id == "job-7" && n.epoch == 2; });
  BOOST_TEST(removed.size() == 1u);
  BOOST_TEST(!fs::exists(f.path));
}

BOOST_AUTO_TEST_CASE(a_fence_after_the_holder_published_finds_nothing_and_touches_nothing) {
  ScratchDir dir("staging-fence-late");
  const fs::path out = dir.path();
  const fs::path staging = staging_folder(out, "2026-12-03/web01", staging_tag("job-7", 2, "aaaa0001"));
  write_file(staging / "disk.qcow2", "the whole disk");
  fs::rename(staging, out / "2026-12-03" / "web01");  // the holder was first

  const StagingFence f = fence_staging(staging);
  BOOST_TEST((f.result == StagingFence::Result::absent));
  BOOST_TEST(read_file(out / "2026-12-03" / "web01" / "disk.qcow2") == "the whole disk");
  BOOST_TEST(!fs::exists(out / "2026-12-03" / ".web01.partial-job-7.e2.aaaa0001~fenced"));
  // Never staged at all (no date folder yet): absent too.
  BOOST_TEST((fence_staging(staging_folder(out, "2026-12-04/web02", "job-8.e1.aaaa0001")).result ==
              StagingFence::Result::absent));
}

BOOST_AUTO_TEST_CASE(a_fence_the_file_system_refuses_says_why) {
  ScratchDir dir("staging-fence-refused");
  const fs::path out = dir.path();
  write_file(out / "2026-12-03", "a file where the date folder should be");
  const StagingFence f = fence_staging(staging_folder(out, "2026-12-03/web01", "job-7.e2.aaaa0001"));
  BOOST_TEST((f.result == StagingFence::Result::failed));
  BOOST_TEST(f.error == "Not a directory");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fault_plan)

BOOST_AUTO_TEST_CASE(a_point_and_a_job_number_arm_it_for_that_job_only) {
  const FaultPlan p = FaultPlan::parse("mid_copy:job=2");
  BOOST_TEST(p.armed());
  BOOST_TEST(p.point == "mid_copy");
  BOOST_TEST(p.job_id == "job-2");
  BOOST_TEST(p.at("mid_copy", "job-2"));
  BOOST_TEST(!p.at("mid_copy", "job-3"));
  BOOST_TEST(!p.at("after_publish_rename", "job-2"));
  const FaultPlan named = FaultPlan::parse("after_publish_rename:job=web01-import");
  BOOST_TEST(named.job_id == "web01-import", "a job id that is not a number is taken as is");
  for (const char* point : {"before_staging", "mid_copy", "staging_complete", "publish_allowed",
                            "after_publish_rename", "after_done_commit", "mid_archive", "slot_throw"})
    BOOST_TEST(FaultPlan::parse((std::string(point) + ":job=1").c_str()).point == point);
}

BOOST_AUTO_TEST_CASE(unset_or_empty_is_unarmed_and_costs_nothing) {
  BOOST_TEST(!FaultPlan::parse(nullptr).armed());
  BOOST_TEST(!FaultPlan::parse("").armed());
  BOOST_TEST(!FaultPlan{}.at("mid_copy", "job-2"));
  FaultPlan{}.exit_if_at("mid_copy", "job-2");  // returns: nothing armed
  FaultPlan{}.stop_if_at("publish_allowed", "job-2");
  FaultPlan::parse("publish_allowed:job=3").stop_if_at("publish_allowed", "job-2");  // another job: no stop
}

BOOST_AUTO_TEST_CASE(a_typo_is_refused_with_a_message_naming_the_variable) {
  for (const char* bad : {"mid-copy:job=2", "midcopy:job=2", "mid_copy", "mid_copy:2", "mid_copy:job=",
                          "mid_copy:jb=2", ":job=2", "MID_COPY:job=2"}) {
    try {
      FaultPlan::parse(bad);
      BOOST_ERROR("'" << bad << "' was accepted");
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      BOOST_TEST(what.find("H2K_FAULT") != std::string::npos, what);
      BOOST_TEST(what.find(bad) != std::string::npos, "the message quotes the value: " << what);
    }
  }
  // The message lists the points, so the fix is obvious.
  try {
    FaultPlan::parse("mid-copy:job=2");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("mid_copy") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
