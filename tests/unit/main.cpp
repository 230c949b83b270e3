// Shared entry point for every unit-test executable (see tests/CMakeLists.txt).
#define BOOST_TEST_MODULE hyper2kvm_unit
#include <boost/test/unit_test.hpp>
