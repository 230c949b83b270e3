#pragma once
// UTF-8 <-> UTF-16LE, the encoding of REG_SZ / REG_EXPAND_SZ / REG_MULTI_SZ
// data in Windows registry hives. Kept apart from hivex so it is testable
// on its own and so no code path depends on the host's iconv locale.
#include <string>
#include <string_view>

namespace h2k::windows {

// Encodes UTF-8 as UTF-16LE bytes (surrogate pairs above U+FFFF), without a
// terminator. Throws std::invalid_argument on malformed UTF-8.
std::string utf8_to_utf16le(std::string_view utf8);

// Decodes UTF-16LE bytes up to the first NUL code unit (registry strings are
// NUL-terminated but their stored length often includes padding). Unpaired
// surrogates and an odd trailing byte become U+FFFD instead of failing:
// values written by other tools must never make a conversion abort.
std::string utf16le_to_utf8(std::string_view utf16le);

}  // namespace h2k::windows
