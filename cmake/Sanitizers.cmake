# SLUICE_SANITIZE applies to every target in the tree (libraries, the server
# and the tests), so that instrumented and plain code never mix.
if(SLUICE_SANITIZE)
  message(STATUS "sluice: building with -fsanitize=${SLUICE_SANITIZE}")
  add_compile_options(-fsanitize=${SLUICE_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SLUICE_SANITIZE})
endif()

# GCC warns that Asio's atomic_thread_fence is invisible to TSan. sluice's own
# synchronisation uses mutexes, which TSan sees; the warning is about Asio's
# internals, so it must not fail a -Werror build.
if(SLUICE_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wno-tsan)
endif()
