target_sources(test_hyperctl_follow PRIVATE
  ${PROJECT_SOURCE_DIR}/tools/hyperctl/follow_view.cpp
  ${PROJECT_SOURCE_DIR}/tools/hyperctl/render.cpp
  ${PROJECT_SOURCE_DIR}/tools/hyperctl/text_format.cpp)
target_include_directories(test_hyperctl_follow PRIVATE ${PROJECT_SOURCE_DIR})
