# h2k_actor_common needs only h2k_core (linked for every actor library).
# The failure report records the daemon's version: compiled into the one
# file that reports it, so a version bump rebuilds nothing else.
set(H2K_ACTOR_DEPS_common "")
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/system_info.cpp PROPERTIES
                            COMPILE_DEFINITIONS H2K_VERSION="${PROJECT_VERSION}")
