# The appliance probe starts `<self_exe> __appliance-probe <request.json>`; the
# tests use this minimal program with the same entry point.
add_executable(h2k_appliance_probe_child ${CMAKE_CURRENT_SOURCE_DIR}/unit/verify/helpers/appliance_probe_child.cpp)
target_link_libraries(h2k_appliance_probe_child PRIVATE h2k_verify)
add_dependencies(test_verify h2k_appliance_probe_child)
