# fuzz/cli_config.cmake - included by fuzz/CMakeLists.txt for cli_config_fuzzer:
# the CLI's config resolution is a program source (src/cli/config.c).
target_sources(${base} PRIVATE ${CMAKE_SOURCE_DIR}/src/cli/config.c)
target_include_directories(${base} PRIVATE ${CMAKE_SOURCE_DIR}/src/cli)
