if(CAIRN_SANITIZE)
  message(STATUS "Building with sanitizers: ${CAIRN_SANITIZE}")
  add_compile_options(-fsanitize=${CAIRN_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CAIRN_SANITIZE})
endif()
# UBSan's vptr check is off: it probes whether an object is mapped by writing it to a pipe,
# which fails when the process is out of file descriptors (the server's EMFILE test), and it
# then reports every virtual call as on a bad object. ASan still catches calls on freed
# objects. It must come after -fsanitize=undefined, which would turn it back on.
if(CAIRN_SANITIZE MATCHES "undefined")
  add_compile_options(-fno-sanitize=vptr)
  add_link_options(-fno-sanitize=vptr)
endif()
# GCC warns that ThreadSanitizer cannot model std::atomic_thread_fence, which Boost.Asio's
# fenced_block uses around every handler. Asio's own locks already order those handlers for
# TSan; a fence it cannot see could only add a false report, never hide a race of ours.
if(CAIRN_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wno-tsan)
endif()
