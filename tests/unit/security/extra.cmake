# test_security also checks the agent's config parser (src/agent/config.c has no libcurl use).
target_sources(test_security PRIVATE ${CMAKE_SOURCE_DIR}/src/agent/config.c)
target_include_directories(test_security PRIVATE ${CMAKE_SOURCE_DIR}/src/agent)
