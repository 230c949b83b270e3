// UTF-8 <-> UTF-16LE conversion used for registry strings.
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

#include "engine/guest/windows/utf16le.hpp"

using namespace h2k::windows;

BOOST_AUTO_TEST_SUITE(utf16le)

BOOST_AUTO_TEST_CASE(ascii_becomes_one_unit_per_char) {
  BOOST_TEST(utf8_to_utf16le("SCSI") == std::string("S\0C\0S\0I\0", 8));
}

BOOST_AUTO_TEST_CASE(bmp_and_astral_characters_use_the_right_units) {
  // U+00FC (ü) -> FC 00, U+20AC (€) -> AC 20, U+1F600 -> surrogates D83D DE00.
  BOOST_TEST(utf8_to_utf16le("\xC3\xBC") == std::string("\xFC\x00", 2));
  BOOST_TEST(utf8_to_utf16le("\xE2\x82\xAC") == std::string("\xAC\x20", 2));
  BOOST_TEST(utf8_to_utf16le("\xF0\x9F\x98\x80") == std::string("\x3D\xD8\x00\xDE", 4));
}

BOOST_AUTO_TEST_CASE(round_trip_preserves_text) {
  const std::string text = "Gr\xC3\xBC\xC3\x9F" "e \xE2\x82\xAC \xF0\x9F\x98\x80 C:\\Windows";
  BOOST_TEST(utf16le_to_utf8(utf8_to_utf16le(text)) == text);
}

BOOST_AUTO_TEST_CASE(decoding_stops_at_the_terminator) {
  // Registry strings are NUL-terminated; data after the NUL is padding.
  BOOST_TEST(utf16le_to_utf8(std::string("a\0b\0\0\0z\0", 8)) == "ab");
}

BOOST_AUTO_TEST_CASE(broken_utf16_is_replaced_not_fatal) {
  // Unpaired high surrogate, then an odd trailing byte.
  BOOST_TEST(utf16le_to_utf8(std::string("\x3D\xD8" "a\0", 4)) == "\xEF\xBF\xBD" "a");
  BOOST_TEST(utf16le_to_utf8(std::string("a\0b", 3)) == "a\xEF\xBF\xBD");
}

BOOST_AUTO_TEST_CASE(malformed_utf8_is_rejected) {
  BOOST_CHECK_THROW(utf8_to_utf16le("\xC3"), std::invalid_argument);           // truncated
  BOOST_CHECK_THROW(utf8_to_utf16le("\x80"), std::invalid_argument);           // stray continuation
  BOOST_CHECK_THROW(utf8_to_utf16le("\xC0\xAF"), std::invalid_argument);       // overlong '/'
  BOOST_CHECK_THROW(utf8_to_utf16le("\xED\xA0\x80"), std::invalid_argument);   // encoded surrogate
}

BOOST_AUTO_TEST_SUITE_END()
