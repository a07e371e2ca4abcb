# Warnings: a RAUC-like list, each kept only if the compiler knows it.
include(CheckCCompilerFlag)
set(FLW_WARNING_CANDIDATES
	-Wall -Wextra -Wformat=2 -Wformat-security -Wshadow -Wpointer-arith
	-Wmissing-prototypes -Wstrict-prototypes -Wmissing-declarations -Wnested-externs
	-Wundef -Wwrite-strings -Wcast-align -Wvla -Wdeclaration-after-statement
	-Wno-unused-parameter -Wno-missing-field-initializers -Wimplicit-fallthrough
	-Wdouble-promotion)
# (-Wnull-dereference is left out: gcc raises it only when optimising, with false positives
#  on cmocka assertions; ASan/UBSan in CI catch the real thing.)
set(FLW_WARNINGS "")
foreach(flag ${FLW_WARNING_CANDIDATES})
	string(MAKE_C_IDENTIFIER "HAVE${flag}" var)
	check_c_compiler_flag(${flag} ${var})
	if(${var})
		list(APPEND FLW_WARNINGS ${flag})
	endif()
endforeach()
if(FLW_WERROR)
	list(APPEND FLW_WARNINGS -Werror)
endif()

function(flw_target_warnings target)
	target_compile_options(${target} PRIVATE ${FLW_WARNINGS})
endfunction()
