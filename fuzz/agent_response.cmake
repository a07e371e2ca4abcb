# fuzz/agent_response.cmake - included by fuzz/CMakeLists.txt for agent_response_fuzzer:
# the agent's parsers of server answers are static functions in src/agent/poll.c and
# src/agent/enroll.c, which the fuzzer #includes; the rest of the agent (no main.c) is linked.
target_sources(${base} PRIVATE
	${CMAKE_SOURCE_DIR}/src/agent/apply.c
	${CMAKE_SOURCE_DIR}/src/agent/config.c
	${CMAKE_SOURCE_DIR}/src/agent/download.c
	${CMAKE_SOURCE_DIR}/src/agent/http.c
	${CMAKE_SOURCE_DIR}/src/agent/report.c)
target_include_directories(${base} PRIVATE ${CMAKE_SOURCE_DIR}/src/agent)
target_link_libraries(${base} PRIVATE PkgConfig::CURL)
