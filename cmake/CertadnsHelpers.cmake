# certadns_add_library(NAME <name> SRCS ... [DEPS ...] [PRIVATE_DEPS ...])
#   Creates target certadns_<name> with alias certadns::<name>, C++20 and our warnings.
#   Includes are rooted at src/ (e.g. #include "core/result.h").
# certadns_add_test(NAME <name> SRCS ... [DEPS ...] [LABELS ...])
#   A GoogleTest binary registered with CTest (gtest_discover_tests).
# certadns_embed_sql(OUTPUT <file.cc> NAMESPACE <ns> FILES <a.sql> ...)
#   Generates <file.cc> defining `const std::vector<std::string_view> <ns>::kMigrations`
#   with the files' text in order (migration N is FILES[N-1]); CMake re-runs when one changes.
include(GoogleTest)

set(CERTADNS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wvla -Werror=vla
  -Wno-missing-field-initializers)
if(CERTADNS_WERROR)
  list(APPEND CERTADNS_WARNINGS -Werror)
endif()

function(certadns_add_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(certadns_${ARG_NAME} STATIC ${ARG_SRCS})
  add_library(certadns::${ARG_NAME} ALIAS certadns_${ARG_NAME})
  target_include_directories(certadns_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_features(certadns_${ARG_NAME} PUBLIC cxx_std_20)
  target_compile_options(certadns_${ARG_NAME} PRIVATE ${CERTADNS_WARNINGS}
    ${CERTADNS_FUZZ_COVERAGE_FLAGS})
  target_link_libraries(certadns_${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

function(certadns_add_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  target_compile_options(${ARG_NAME} PRIVATE ${CERTADNS_WARNINGS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 30
    PROPERTIES LABELS "${ARG_LABELS}")
endfunction()

function(certadns_embed_sql)
  cmake_parse_arguments(ARG "" "OUTPUT;NAMESPACE" "FILES" ${ARGN})
  set(embedded "")
  foreach(migration IN LISTS ARG_FILES)
    file(READ ${CMAKE_CURRENT_SOURCE_DIR}/${migration} sql)
    string(APPEND embedded "  R\"certadns_sql(${sql})certadns_sql\",\n")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
      ${CMAKE_CURRENT_SOURCE_DIR}/${migration})
  endforeach()
  file(CONFIGURE OUTPUT ${ARG_OUTPUT} CONTENT
"// Generated from the migrations/*.sql files of this folder by CMake.
#include <string_view>
#include <vector>
namespace ${ARG_NAMESPACE} {
extern const std::vector<std::string_view> kMigrations;
const std::vector<std::string_view> kMigrations = {
${embedded}};
}  // namespace ${ARG_NAMESPACE}
" @ONLY)
endfunction()
