// CRC-32C against published check values (RFC 3720 appendix B.4 and the
// common "123456789" check), since VHDX validity rests on it.
#include <boost/test/unit_test.hpp>

#include <string>

#include "engine/formats/crc32c.hpp"

BOOST_AUTO_TEST_SUITE(crc32c_checksum)

BOOST_AUTO_TEST_CASE(standard_check_value) {
  BOOST_TEST(h2k::crc32c("123456789") == 0xE3069283u);
  BOOST_TEST(h2k::crc32c("") == 0u);
}

BOOST_AUTO_TEST_CASE(rfc3720_vectors) {
  BOOST_TEST(h2k::crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  BOOST_TEST(h2k::crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending += static_cast<char>(i);
    descending += static_cast<char>(31 - i);
  }
  BOOST_TEST(h2k::crc32c(ascending) == 0x46DD794Eu);
  BOOST_TEST(h2k::crc32c(descending) == 0x113FDB5Cu);
}

BOOST_AUTO_TEST_SUITE_END()
