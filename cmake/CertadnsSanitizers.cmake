# CERTADNS_SANITIZE: every target of the build is compiled and linked with ASan + UBSan, and
# undefined behaviour aborts (-fno-sanitize-recover), so a finding fails the test that hit it.
# CERTADNS_FUZZ (needs clang and CERTADNS_SANITIZE): the libraries under src/ also get
# libFuzzer's coverage instrumentation (-fsanitize=fuzzer-no-link, added by
# certadns_add_library; test code needs none), and the targets of tests/fuzz/ link libFuzzer
# itself (-fsanitize=fuzzer, on those targets only).
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
  set(CERTADNS_FUZZ_COVERAGE_FLAGS -fsanitize=fuzzer-no-link)
endif()
