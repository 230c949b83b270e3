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
