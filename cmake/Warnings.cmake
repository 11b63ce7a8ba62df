# Strict warning set and hardening flags applied to every target of ours (kvmtool/Solo5 lists).
set(OPENWHP_C_WARNINGS
  -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wwrite-strings
  -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wformat=2 -Wundef
  -Wsign-compare -Wvla -Wimplicit-fallthrough -Wnested-externs -Wredundant-decls
  -Wno-missing-field-initializers)
if(OPENWHP_WERROR)
  list(APPEND OPENWHP_C_WARNINGS -Werror)
endif()

# Hardening as distributions build C code: stack protector everywhere, and
# glibc's checked string/memory functions where the optimizer runs (it
# needs -O) and no sanitizer replaces those functions.
set(OPENWHP_C_HARDENING -fstack-protector-strong)
if(OPENWHP_SANITIZE STREQUAL "")
  list(APPEND OPENWHP_C_HARDENING
    "$<$<NOT:$<CONFIG:Debug>>:-U_FORTIFY_SOURCE;-D_FORTIFY_SOURCE=2>")
endif()

# openwhp_warnings(<target>): give a target the project's warning set and hardening.
function(openwhp_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:${OPENWHP_C_WARNINGS} ${OPENWHP_C_HARDENING}>)
endfunction()
