# h2k_windows_image OUT: the Windows-shaped disk of these tests, for the shell
# tests (tests/cluster/cluster-windows.sh) that drop it into a daemon's queue.
add_executable(h2k_windows_image ${CMAKE_CURRENT_SOURCE_DIR}/unit/windows_guest/helpers/windows_image_tool.cpp
                                 ${CMAKE_CURRENT_SOURCE_DIR}/unit/windows_guest/windows_image.cpp
                                 ${CMAKE_CURRENT_SOURCE_DIR}/unit/windows_guest/empty_hive.cpp)
target_link_libraries(h2k_windows_image PRIVATE ${H2K_TEST_LIBS_windows_guest} h2k_test_paths
                                                Boost::unit_test_framework)
target_compile_definitions(h2k_windows_image PRIVATE BOOST_TEST_DYN_LINK)
target_include_directories(h2k_windows_image PRIVATE ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/unit/windows_guest)
