# SLUICE_SANITIZE applies to every target in the tree (libraries, the server
# and the tests), so that instrumented and plain code never mix.
if(SLUICE_SANITIZE)
  message(STATUS "sluice: building with -fsanitize=${SLUICE_SANITIZE}")
  add_compile_options(-fsanitize=${SLUICE_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SLUICE_SANITIZE})
endif()
