# fuzz/agent_config.cmake - included by fuzz/CMakeLists.txt for agent_config_fuzzer:
# the agent's config parser is a program source (src/agent/config.c; no libcurl use).
target_sources(${base} PRIVATE ${CMAKE_SOURCE_DIR}/src/agent/config.c)
target_include_directories(${base} PRIVATE ${CMAKE_SOURCE_DIR}/src/agent)
