if(CAIRN_SANITIZE)
  message(STATUS "Building with sanitizers: ${CAIRN_SANITIZE}")
  add_compile_options(-fsanitize=${CAIRN_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CAIRN_SANITIZE})
endif()
# GCC warns that ThreadSanitizer cannot model std::atomic_thread_fence, which Boost.Asio's
# fenced_block uses around every handler. Asio's own locks already order those handlers for
# TSan; a fence it cannot see could only add a false report, never hide a race of ours.
if(CAIRN_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wno-tsan)
endif()
