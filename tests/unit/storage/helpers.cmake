# The crash tests run this writer in a child process and kill it (SIGKILL)
# or let it _exit mid-stream, then reopen its database.
add_executable(h2k_storage_crash_writer ${CMAKE_CURRENT_SOURCE_DIR}/unit/storage/helpers/crash_writer.cpp)
target_link_libraries(h2k_storage_crash_writer PRIVATE h2k_storage)
add_dependencies(test_storage h2k_storage_crash_writer)
