# All dependencies come from Debian 12 packages (scripts/install-deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Boost REQUIRED COMPONENTS unit_test_framework)

pkg_check_modules(GUESTFS REQUIRED IMPORTED_TARGET libguestfs)
pkg_check_modules(LIBVIRT REQUIRED IMPORTED_TARGET libvirt)
pkg_check_modules(HIVEX REQUIRED IMPORTED_TARGET hivex)
pkg_check_modules(PUGIXML REQUIRED IMPORTED_TARGET pugixml)

# --- daemon-only dependencies ---------------------------------------------
# CAF 0.17 (libcaf-dev) ships no CMake package config, no pkg-config file:
# find the headers and libraries and wrap them as imported targets.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
find_library(CAF_IO_LIBRARY caf_io REQUIRED)
add_library(CAF::core SHARED IMPORTED GLOBAL)
set_target_properties(CAF::core PROPERTIES IMPORTED_LOCATION ${CAF_CORE_LIBRARY}
                      INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR})
add_library(CAF::io SHARED IMPORTED GLOBAL)
set_target_properties(CAF::io PROPERTIES IMPORTED_LOCATION ${CAF_IO_LIBRARY}
                      INTERFACE_LINK_LIBRARIES CAF::core)
# Cluster mode: mutual TLS between nodes.
find_library(CAF_OPENSSL_LIBRARY caf_openssl REQUIRED)
add_library(CAF::openssl SHARED IMPORTED GLOBAL)
set_target_properties(CAF::openssl PROPERTIES IMPORTED_LOCATION ${CAF_OPENSSL_LIBRARY}
                      INTERFACE_LINK_LIBRARIES "CAF::io;OpenSSL::SSL;OpenSSL::Crypto")

# jemalloc (libjemalloc-dev): the allocator of the daemon's processes. CAF
# allocates each message on one thread and frees it on another; glibc's
# malloc spent about 15 % of a busy coordinator's CPU in its arenas
# (bench/README.md: dispatch throughput with and without it). Linked without
# --as-needed: the program itself calls no jemalloc symbol, yet its malloc
# must win over libc's.
find_library(JEMALLOC_LIBRARY NAMES jemalloc REQUIRED)
add_library(h2k_allocator INTERFACE)
target_link_libraries(h2k_allocator INTERFACE "-Wl,--push-state,--no-as-needed" ${JEMALLOC_LIBRARY} "-Wl,--pop-state")

find_package(CURL REQUIRED)                                  # notifier: webhooks, SMTP
find_package(spdlog CONFIG REQUIRED)                         # daemon log
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)  # sd_notify
# cpp-httplib (Debian: libcpp-httplib-dev): the coordinator's REST API.
# Debian ships it compiled (libcpp-httplib.so, the header only declares), built
# with CPPHTTPLIB_OPENSSL/ZLIB/BROTLI_SUPPORT: its pkg-config file gives the
# library and those defines, which must match or the classes' layouts differ.
find_path(HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_library(h2k_httplib INTERFACE)
target_include_directories(h2k_httplib SYSTEM INTERFACE ${HTTPLIB_INCLUDE_DIR})
target_link_libraries(h2k_httplib INTERFACE PkgConfig::HTTPLIB Threads::Threads)
