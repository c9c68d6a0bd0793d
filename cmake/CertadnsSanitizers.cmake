# CERTADNS_SANITIZE: every target of the build is compiled and linked with ASan + UBSan, and
# undefined behaviour aborts (-fno-sanitize-recover), so a finding fails the test that hit it.
# CERTADNS_FUZZ (needs clang and CERTADNS_SANITIZE): all code also gets libFuzzer's coverage
# instrumentation (-fsanitize=fuzzer-no-link, harmless for the test binaries), and the targets
# of tests/fuzz/ link libFuzzer itself (-fsanitize=fuzzer, on those targets only).
if(CERTADNS_FUZZ AND NOT CERTADNS_SANITIZE)
  message(FATAL_ERROR "CERTADNS_FUZZ=ON needs CERTADNS_SANITIZE=ON")
endif()
if(CERTADNS_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CERTADNS_FUZZ=ON needs clang (e.g. CXX=clang++-14 CC=clang-14)")
endif()

if(CERTADNS_SANITIZE)
  set(CERTADNS_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)
  add_compile_options(${CERTADNS_SANITIZER_FLAGS})
  add_link_options(${CERTADNS_SANITIZER_FLAGS})
endif()
if(CERTADNS_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
