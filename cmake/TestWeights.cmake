# How much of the machine each test takes, for ctest's resource allocation
# (scripts/test.sh: `ctest -j 4 --resource-spec-file tests/ctest-resources.json`,
# 4 "cpu" slots). A test that keeps a core busy under TCG (a qemu boot, a
# libguestfs appliance, the fuzzers' clang build) takes 2 slots; the others
# (daemons, clusters and simulators mostly waiting on each other: 0.1-0.4 of
# a core measured) take 1. So two heavy tests still run side by side as with
# `-j 2`, never three, while the light ones fill in four at a time instead
# of queueing behind them. Without a resource spec file ctest ignores this.
set(H2K_HEAVY_TESTS unit.guest unit.windows_guest unit.verify fuzz.parsers vsphere.daemon.boot cluster.windows)

# Weighs every test defined so far in the calling directory.
function(h2k_weigh_tests)
  get_directory_property(names TESTS)
  foreach(t IN LISTS names)
    get_test_property(${t} LABELS labels)
    if("e2e" IN_LIST labels OR t IN_LIST H2K_HEAVY_TESTS)
      set_tests_properties(${t} PROPERTIES RESOURCE_GROUPS "cpu:2")
    else()
      set_tests_properties(${t} PROPERTIES RESOURCE_GROUPS "cpu:1")
    endif()
  endforeach()
endfunction()
