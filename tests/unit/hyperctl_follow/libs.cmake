# The pure part of hyperctl's convert --follow / --batch (follow_view.cpp and
# the text helpers it uses), compiled in: hyperctl is an executable, not a library.
set(H2K_TEST_LIBS_hyperctl_follow nlohmann_json::nlohmann_json)
