# The hyperctl tests run the real tool (H2K_BINARY_DIR/tools/hyperctl/hyperctl):
# building test_control builds it too.
if(TARGET hyperctl)
  add_dependencies(test_control hyperctl)
endif()
