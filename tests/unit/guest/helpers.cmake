# The isolated guest-fix runner starts `<self_exe> __guest-fix <request.json>`.
# In the product self_exe is hyper2kvm; the tests use this minimal program with
# the same entry point, so test_guest does not depend on the CLI being built.
add_executable(h2k_guest_fix_child ${CMAKE_CURRENT_SOURCE_DIR}/unit/guest/helpers/guest_fix_child.cpp)
target_link_libraries(h2k_guest_fix_child PRIVATE h2k_guest)
add_dependencies(test_guest h2k_guest_fix_child)
