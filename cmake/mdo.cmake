# Helpers shared by every component's CMakeLists.txt.

# Warnings as errors on our own code only (system headers stay quiet through -isystem).
add_library(mdo_warnings INTERFACE)
target_compile_options(mdo_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers)

# cpprest's U() macro breaks fmt's templates; every target that can see cpprest needs this.
add_compile_definitions(_TURN_OFF_PLATFORM_STRING)

# mdo_library(NAME SOURCES a.cc b.cc DEPS x y [PUBLIC_DEPS ...])
function(mdo_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PUBLIC_DEPS" ${ARGN})
  if(ARG_SOURCES)
    add_library(${name} STATIC ${ARG_SOURCES})
    target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} ${ARG_DEPS} PRIVATE mdo_warnings)
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${name} INTERFACE ${ARG_PUBLIC_DEPS} ${ARG_DEPS})
  endif()
endfunction()

# mdo_executable(NAME SOURCES main.cc DEPS ...)
function(mdo_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} mdo_warnings)
  if(MDO_JEMALLOC_LIBRARY)
    target_link_libraries(${name} PRIVATE ${MDO_JEMALLOC_LIBRARY})
  endif()
endfunction()

# Sanitizer settings every test process (and what it starts: operator, kube-testserver) gets in an
# MDO_SANITIZE build; the LSan and UBSan suppressions are third-party reports, each explained in its
# file.
set(MDO_SANITIZER_ENV "")
if(MDO_SANITIZE)
  set(MDO_SANITIZER_ENV
    "ASAN_OPTIONS=detect_leaks=1"
    "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizer/lsan.supp:print_suppressions=0"
    "UBSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizer/ubsan.supp:print_stacktrace=1:halt_on_error=1")
endif()

# mdo_test(NAME SOURCES x_test.cc DEPS ... [TIMEOUT seconds] [LABELS ...])
# Each GoogleTest case becomes one ctest test, discovered when ctest runs.
function(mdo_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main mdo_warnings)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  # The environment comes through `env` as the test's launcher: CMake 3.25's gtest_discover_tests
  # splits a multi-valued ENVIRONMENT property, so it cannot carry these.
  set(launcher /usr/bin/env ${MDO_SANITIZER_ENV}
    "MDO_SOURCE_DIR=${PROJECT_SOURCE_DIR};MDO_BINARY_DIR=${CMAKE_BINARY_DIR};MDO_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared;PATH=${PROJECT_SOURCE_DIR}/.tools/bin:$ENV{PATH}")
  set_target_properties(${name} PROPERTIES CROSSCOMPILING_EMULATOR "${launcher}")
  set(props TIMEOUT ${ARG_TIMEOUT})
  if(ARG_LABELS)
    list(APPEND props LABELS ${ARG_LABELS})
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ${props})
endfunction()
