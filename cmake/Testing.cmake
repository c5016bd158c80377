# modelops_test(NAME SOURCES ... LIBS ... LABELS ... [TIMEOUT s])
# One GoogleTest executable registered as one ctest test named NAME (e.g. unit.api).
# Labels: unit (pure, also run under sanitizers), integration, e2e.
function(modelops_test NAME)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(MODELOPS_UNIT_TESTS_ONLY AND NOT "unit" IN_LIST T_LABELS)
    return()
  endif()
  string(REPLACE "." "_" target "test_${NAME}")
  add_executable(${target} ${T_SOURCES})
  target_link_libraries(${target} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main Threads::Threads)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  add_test(NAME ${NAME} COMMAND ${target} --gtest_brief=1)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "MODELOPS_SOURCE_DIR=${PROJECT_SOURCE_DIR};MODELOPS_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
