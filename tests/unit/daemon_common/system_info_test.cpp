// Host figures for failure reports, and the one time format of daemon files.
#include <boost/test/unit_test.hpp>

#include "actors/common/iso_time.hpp"
#include "actors/common/system_info.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace h2k::test;

BOOST_AUTO_TEST_SUITE(system_info)

BOOST_AUTO_TEST_CASE(mem_available_is_read_from_its_own_line_in_bytes) {
  const std::string meminfo =
      "MemTotal:       16318064 kB\n"
      "MemFree:         1021044 kB\n"
      "MemAvailable:    8598124 kB\n"
      "Buffers:          412316 kB\n";
  BOOST_TEST(parse_mem_available(meminfo).value() == 8598124ull * 1024);
  BOOST_TEST(!parse_mem_available("MemTotal: 1 kB\nMemFree: 2 kB\n").has_value());
  BOOST_TEST(!parse_mem_available("MemAvailable:   kB\n").has_value());
  BOOST_TEST(!parse_mem_available("XMemAvailable: 5 kB\n").has_value());  // only at a line start
}

BOOST_AUTO_TEST_CASE(reads_the_real_proc_meminfo_and_tolerates_a_missing_file) {
  ScratchDir tmp("sysinfo");
  BOOST_TEST(memory_available_bytes().has_value());
  BOOST_TEST(*memory_available_bytes() > 0u);
  BOOST_TEST(!memory_available_bytes(tmp / "no-such-meminfo").has_value());
  write_file(tmp / "meminfo", "MemAvailable: 2048 kB\n");
  BOOST_TEST(memory_available_bytes(tmp / "meminfo").value() == 2048u * 1024);
}

BOOST_AUTO_TEST_CASE(collects_disk_memory_host_and_kernel) {
  ScratchDir tmp("sysinfo");
  SystemInfo info = collect_system_info(tmp.path());
  BOOST_TEST(info.disk_free_bytes.has_value());
  BOOST_TEST(*info.disk_free_bytes > 0u);
  BOOST_TEST(!info.hostname.empty());
  BOOST_TEST(info.kernel == run_ok({"uname", "-r"}).substr(0, info.kernel.size()));
  BOOST_TEST(!collect_system_info({}).disk_free_bytes.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(iso_time)

BOOST_AUTO_TEST_CASE(utc_with_milliseconds_and_a_z) {
  BOOST_TEST(iso8601_utc(1795357815123) == "2026-11-22T14:30:15.123Z");
  BOOST_TEST(iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(iso8601_utc(-1) == "1969-12-31T23:59:59.999Z");  // rounds down, not toward zero
  BOOST_TEST(iso8601_utc_seconds(1795357815999) == "2026-11-22T14:30:15Z");
}

BOOST_AUTO_TEST_CASE(agrees_with_date_1_whatever_the_local_time_zone) {
  ::setenv("TZ", "America/Los_Angeles", 1);
  ::tzset();
  for (std::int64_t s : {951782400LL, 1709164799LL, 1795334400LL, 4102444800LL}) {  // leap days, 2100
    const std::string expected = run_ok({"date", "-u", "-d", "@" + std::to_string(s), "+%Y-%m-%dT%H:%M:%SZ"});
    BOOST_TEST(iso8601_utc_seconds(s * 1000) + "\n" == expected);
  }
  ::unsetenv("TZ");
  ::tzset();
}

BOOST_AUTO_TEST_SUITE_END()
