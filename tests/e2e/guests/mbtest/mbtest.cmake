# mbtest.cmake: openwhp_mbtest_kernel(<target> <output.elf>): build the multiboot/PVH test kernel.
#
# The kernel (entry.S + kmain.c beside this file) is compiled as freestanding
# 32-bit code without x87/SSE (-mgeneral-regs-only) and linked at 1 MiB as an
# ELF32 executable with kernel.ld. <target> is a custom target producing
# <output.elf>; tests and benchmarks pass that path to openwhp. No binary is
# committed.
set(OPENWHP_MBTEST_DIR ${CMAKE_CURRENT_LIST_DIR})

function(openwhp_mbtest_kernel target output)
  set(dir ${OPENWHP_MBTEST_DIR})
  get_filename_component(outdir ${output} DIRECTORY)
  set(flags -m32 -ffreestanding -fno-pic -fno-pie -fno-stack-protector
            -mgeneral-regs-only -fno-asynchronous-unwind-tables -O2 -nostdlib
            -Wall -Wextra -Werror)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${outdir}
    COMMAND ${CMAKE_C_COMPILER} ${flags} -c ${dir}/entry.S -o ${output}.entry.o
    COMMAND ${CMAKE_C_COMPILER} ${flags} -std=gnu11 -c ${dir}/kmain.c -o ${output}.kmain.o
    COMMAND ${OPENWHP_LD} -m elf_i386 -nostdlib -static --no-warn-rwx-segments
            -T ${dir}/kernel.ld
            -o ${output} ${output}.entry.o ${output}.kmain.o
    DEPENDS ${dir}/entry.S ${dir}/kmain.c ${dir}/kernel.ld
    COMMENT "Building the multiboot test kernel ${output}"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS ${output})
endfunction()
