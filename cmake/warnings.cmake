# Warnings for our own targets only (third-party headers are included as system headers).
set(CAIRN_WARNINGS -Wall -Wextra -Wpedantic -Wnon-virtual-dtor -Wno-missing-field-initializers)
# GCC's -Wshadow=local; clang (fuzz and sanitizer builds) has no such spelling.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND CAIRN_WARNINGS -Wshadow=local)
endif()
if(CAIRN_WERROR)
  list(APPEND CAIRN_WARNINGS -Werror)
endif()
function(cairn_target_warnings target)
  target_compile_options(${target} PRIVATE ${CAIRN_WARNINGS})
endfunction()

# cairn_library(NAME SOURCES... DEPS ...): one static library per module, cairn_<name>.
function(cairn_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(cairn_${name} STATIC ${ARG_SOURCES})
  target_include_directories(cairn_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(cairn_${name} PUBLIC ${ARG_DEPS})
  cairn_target_warnings(cairn_${name})
endfunction()
