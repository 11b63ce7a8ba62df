# openwhp_fuzz_target(): a libFuzzer binary (clang fuzz builds) and a replay binary (every build).
#
# openwhp_fuzz_target(<name> SOURCES <files> [LIBS <targets>] CORPUS <dir>
#                     [RANDOM <n>] [MAX_LEN <bytes>] [SECONDS <s>] [LABELS <labels>])
#
# Always: executable <name>_replay = the target's LLVMFuzzerTestOneInput plus
# replay_main.c, built with the project's compiler (and sanitizers, if the
# build has them), registered with ctest as fuzz.<name>.replay: it runs every
# input of the committed seed corpus <dir> and then <n> (default 2000) inputs
# derived from it by random mutation, with a fixed seed, so the default test
# run exercises the target on every build.
#
# With -DOPENWHP_BUILD_FUZZ=ON and clang: executable <name> linked with
# -fsanitize=fuzzer, registered as fuzz.<name>.libfuzzer (label "libfuzzer"),
# which fuzzes for <s> seconds (default OPENWHP_FUZZ_SECONDS, 60) starting
# from the seed corpus; new inputs go to a scratch corpus in the build tree,
# never into the committed one. For longer runs on demand:
#   build-fuzz/fuzz/<area>/<name> -max_total_time=3600 <scratch> <corpus>
set(OPENWHP_FUZZ_SECONDS 60 CACHE STRING "Seconds each libFuzzer target runs in ctest")
set(OPENWHP_FUZZ_COMMON ${CMAKE_CURRENT_LIST_DIR})

function(openwhp_fuzz_target name)
  cmake_parse_arguments(F "" "CORPUS;RANDOM;MAX_LEN;SECONDS" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT F_RANDOM)
    set(F_RANDOM 2000)
  endif()
  if(NOT F_MAX_LEN)
    set(F_MAX_LEN 4096)
  endif()
  if(NOT F_SECONDS)
    set(F_SECONDS ${OPENWHP_FUZZ_SECONDS})
  endif()
  get_filename_component(corpus ${F_CORPUS} ABSOLUTE)

  if(OPENWHP_BUILD_TESTS AND NOT TARGET ${name}_replay)
    add_executable(${name}_replay ${F_SOURCES} ${OPENWHP_FUZZ_COMMON}/replay_main.c)
    target_link_libraries(${name}_replay PRIVATE ${F_LIBS})
    target_compile_definitions(${name}_replay PRIVATE _GNU_SOURCE)
    openwhp_warnings(${name}_replay)
    add_test(NAME fuzz.${name}.replay
      COMMAND ${name}_replay -random=${F_RANDOM} -max_len=${F_MAX_LEN} ${corpus})
    set_tests_properties(fuzz.${name}.replay PROPERTIES
      LABELS "fuzz;${F_LABELS}" TIMEOUT 600 SKIP_RETURN_CODE 77)
  endif()

  if(OPENWHP_BUILD_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang" AND NOT TARGET ${name})
    add_executable(${name} ${F_SOURCES})
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    target_compile_definitions(${name} PRIVATE _GNU_SOURCE)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    openwhp_warnings(${name})
    set(scratch ${CMAKE_CURRENT_BINARY_DIR}/${name}.corpus)
    file(MAKE_DIRECTORY ${scratch})
    add_test(NAME fuzz.${name}.libfuzzer
      COMMAND ${name} -max_total_time=${F_SECONDS} -max_len=${F_MAX_LEN} -timeout=10
              -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/
              -rss_limit_mb=4096 -print_final_stats=1 ${scratch} ${corpus})
    math(EXPR timeout "${F_SECONDS} + 120")
    set_tests_properties(fuzz.${name}.libfuzzer PROPERTIES
      LABELS "fuzz;libfuzzer;${F_LABELS}" TIMEOUT ${timeout} SKIP_RETURN_CODE 77)
  endif()
endfunction()
