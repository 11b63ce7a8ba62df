# Build-time guest payloads: GNU as source -> flat binary -> C array in a static library.
#
# openwhp_guest_payload(<name> SOURCE <file.S> [BASE <addr>] [INCLUDES <dir>...]
#                       [SOURCE_ONLY])
#
# Assembles <file.S> with GNU as through the C compiler driver (so #include and
# #define work; use .code16/.code32/.code64 inside), links it as a flat binary
# whose first byte sits at guest address BASE (default 0x1000) and creates a
# static library target <name> that defines
#     const unsigned char <name>[];       the image
#     const unsigned int  <name>_size;    its size in bytes
# With SOURCE_ONLY no library is made: <name>_C in the caller's scope names
# the generated C file for the one target that compiles it into itself (two
# targets owning the same generated file would race in a parallel build).
# Declare the symbols yourself (extern) where used. No binaries are committed.
set(OPENWHP_BIN2C ${CMAKE_CURRENT_LIST_DIR}/bin2c.cmake)
# The payloads are GNU as source: with clang, hand them to GNU as too (its
# integrated assembler refuses some 16/32-bit forms, e.g. addr32 prefixes).
set(OPENWHP_GNU_AS "")
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  set(OPENWHP_GNU_AS -fno-integrated-as)
endif()
find_program(OPENWHP_LD NAMES ld ld.bfd REQUIRED)

function(openwhp_guest_payload name)
  cmake_parse_arguments(P "SOURCE_ONLY" "SOURCE;BASE" "INCLUDES" ${ARGN})
  if(NOT P_BASE)
    set(P_BASE 0x1000)
  endif()
  get_filename_component(src ${P_SOURCE} ABSOLUTE)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/payload_${name})
  set(obj ${dir}/${name}.o)
  set(lds ${dir}/${name}.ld)
  set(bin ${dir}/${name}.bin)
  set(csrc ${dir}/${name}.c)
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${lds}
    "SECTIONS {\n  . = ${P_BASE};\n"
    "  .text : { *(.text.entry) *(.text*) *(.rodata*) *(.data*) *(.bss*) }\n"
    "  /DISCARD/ : { *(.note*) *(.comment) *(.eh_frame*) }\n}\n")
  set(incs "")
  foreach(i ${P_INCLUDES})
    get_filename_component(ia ${i} ABSOLUTE)
    list(APPEND incs -I${ia})
  endforeach()
  add_custom_command(
    OUTPUT ${csrc}
    COMMAND ${CMAKE_C_COMPILER} -c -x assembler-with-cpp -nostdlib -fno-pic
            ${OPENWHP_GNU_AS} ${incs} -o ${obj} ${src}
    COMMAND ${OPENWHP_LD} -m elf_x86_64 -nostdlib -static -N -T ${lds}
            --oformat binary -o ${bin} ${obj}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${bin} -DOUTPUT=${csrc} -DNAME=${name}
            -P ${OPENWHP_BIN2C}
    DEPENDS ${src} ${OPENWHP_BIN2C}
    IMPLICIT_DEPENDS C ${src}
    COMMENT "Assembling guest payload ${name}"
    VERBATIM)
  if(P_SOURCE_ONLY)
    set(${name}_C ${csrc} PARENT_SCOPE)
  else()
    add_library(${name} STATIC ${csrc})
  endif()
endfunction()
