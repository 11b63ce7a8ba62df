# Strict warning set applied to every target of ours (kvmtool/Solo5 lists).
set(OPENWHP_C_WARNINGS
  -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wwrite-strings
  -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wundef -Wsign-compare
  -Wno-missing-field-initializers)
if(OPENWHP_WERROR)
  list(APPEND OPENWHP_C_WARNINGS -Werror)
endif()

# openwhp_warnings(<target>): give a target the project's warning set.
function(openwhp_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:${OPENWHP_C_WARNINGS}>)
endfunction()
