# SLUICE_FUZZ builds the libFuzzer targets of tests/fuzz, with clang only.
# Every target of such a build is compiled with coverage instrumentation
# (fuzzer-no-link) and AddressSanitizer + UndefinedBehaviorSanitizer, so that
# libFuzzer sees and the sanitizers check the sluice libraries the fuzzers
# link; only the fuzzers themselves link libFuzzer's main (-fsanitize=fuzzer,
# in tests/fuzz/CMakeLists.txt). A build without SLUICE_FUZZ is untouched.
if(NOT SLUICE_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "SLUICE_FUZZ needs clang (libFuzzer): configure with "
                      "-DCMAKE_CXX_COMPILER=clang++, as scripts/fuzz.sh does")
endif()
if(SLUICE_SANITIZE)
  message(FATAL_ERROR "SLUICE_FUZZ brings its own sanitizers (address,undefined): "
                      "leave SLUICE_SANITIZE empty")
endif()
message(STATUS "sluice: building the fuzzers, everything with -fsanitize=fuzzer-no-link,address,undefined")
# Any undefined behaviour aborts, so libFuzzer reports it as a crash.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                    -fno-sanitize-recover=all)
add_link_options(-fsanitize=address,undefined)
