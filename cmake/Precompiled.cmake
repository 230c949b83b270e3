# Build time: CI builds everything once, from scratch, on two cores, and the
# heavy headers (CAF, nlohmann/json, Boost.Test, the standard library) were
# parsed again in each of ~360 translation units (several seconds each).
# h2k_precompile(<target> [CAF] [BOOST_TEST] [SPDLOG]) gives a target those
# headers precompiled. One precompiled header per header set is built, by
# the first target asking for it; later ones reuse it (REUSE_FROM): the
# compile flags are the same everywhere. GCC refuses a precompiled header
# built with a macro the user does not define (-Winvalid-pch, then parses
# the text): SPDLOG says the target links spdlog (its SPDLOG_* definitions),
# so targets with and without them get separate ones.
# Only for targets that already depend on those libraries: a CAF-free library
# must stay CAF-free (tests/layering), so it never gets <caf/all.hpp>.
# The flags are kept on the target (H2K_PCH_FLAGS, also set by hand on the
# header-only h2k_messages): a test takes those of the libraries it links,
# see h2k_pch_flags_of.
function(h2k_precompile target)
  cmake_parse_arguments(PCH "CAF;BOOST_TEST;SPDLOG" "" "" ${ARGN})
  set_property(TARGET ${target} PROPERTY H2K_PCH_FLAGS ${ARGN})
  set(headers <algorithm> <chrono> <cstdint> <filesystem> <functional> <map> <memory>
              <optional> <string> <string_view> <vector> <nlohmann/json.hpp>)
  set(set_name std_json)
  if(PCH_CAF)
    list(APPEND headers <caf/all.hpp>)
    string(APPEND set_name _caf)
  endif()
  if(PCH_BOOST_TEST)
    list(APPEND headers <boost/test/unit_test.hpp>)
    string(APPEND set_name _boost_test)
  endif()
  if(PCH_SPDLOG)
    string(APPEND set_name _spdlog_defs)
  endif()
  get_property(owner GLOBAL PROPERTY H2K_PCH_OWNER_${set_name})
  if(owner)
    target_precompile_headers(${target} REUSE_FROM ${owner})
  else()
    target_precompile_headers(${target} PRIVATE ${headers})
    set_property(GLOBAL PROPERTY H2K_PCH_OWNER_${set_name} ${target})
  endif()
endfunction()

# The CAF / SPDLOG flags of the libraries in `libs` (those that have any),
# into `out`: what a target linking them may precompile.
function(h2k_pch_flags_of out)
  set(flags "")
  foreach(lib ${ARGN})
    if(TARGET ${lib})
      get_target_property(lib_flags ${lib} H2K_PCH_FLAGS)
      if(lib_flags)
        list(APPEND flags ${lib_flags})
      endif()
    endif()
  endforeach()
  list(REMOVE_ITEM flags BOOST_TEST)
  list(REMOVE_DUPLICATES flags)
  set(${out} ${flags} PARENT_SCOPE)
endfunction()
