# mamori_bpf_program(NAME [HEADER header.h])
#
# Compiles bpf/<NAME>.bpf.c with clang for the BPF target (CO-RE, against a vmlinux.h generated
# from this machine's kernel BTF into the build tree) and generates <NAME>.skel.h with bpftool.
# Creates an INTERFACE target `bpf_<NAME>` whose include path holds the skeleton and the shared
# header, so `target_link_libraries(x PRIVATE bpf_<NAME>)` is all a user-space consumer writes.
find_program(MAMORI_CLANG NAMES clang clang-14 REQUIRED)
find_program(MAMORI_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)
set(MAMORI_VMLINUX_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH "Kernel BTF used to generate vmlinux.h")
set(MAMORI_BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf-gen)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(MAMORI_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(MAMORI_BPF_ARCH arm64)
else()
  set(MAMORI_BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

# A target (not a file rule) so that programs in any directory can order themselves after it.
# It is regenerated only when missing: the kernel's BTF does not change under a build tree.
add_custom_target(mamori_vmlinux_h
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/gen-vmlinux.sh ${MAMORI_BPF_GEN_DIR} ${MAMORI_BPFTOOL}
          ${MAMORI_VMLINUX_BTF}
  BYPRODUCTS ${MAMORI_BPF_GEN_DIR}/vmlinux.h
  COMMENT "Generating vmlinux.h from ${MAMORI_VMLINUX_BTF} (once per build tree)")

function(mamori_bpf_program NAME)
  cmake_parse_arguments(ARG "" "HEADER" "" ${ARGN})
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${NAME}.bpf.c)
  set(obj ${MAMORI_BPF_GEN_DIR}/${NAME}.bpf.o)
  set(skel ${MAMORI_BPF_GEN_DIR}/${NAME}.skel.h)
  set(deps ${src})
  if(ARG_HEADER)
    list(APPEND deps ${CMAKE_CURRENT_SOURCE_DIR}/${ARG_HEADER})
  endif()
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${MAMORI_CLANG} -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_${MAMORI_BPF_ARCH}
            -I${MAMORI_BPF_GEN_DIR} -I${CMAKE_CURRENT_SOURCE_DIR} -c ${src} -o ${obj}
    DEPENDS ${deps}
    COMMENT "Compiling BPF program ${NAME}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${MAMORI_BPFTOOL} gen skeleton ${obj} name ${NAME} > ${skel}
    DEPENDS ${obj}
    COMMENT "Generating BPF skeleton ${NAME}.skel.h"
    VERBATIM)
  add_custom_target(bpf_${NAME}_gen DEPENDS ${skel})
  add_dependencies(bpf_${NAME}_gen mamori_vmlinux_h)
  add_library(bpf_${NAME} INTERFACE)
  add_dependencies(bpf_${NAME} bpf_${NAME}_gen)
  target_include_directories(bpf_${NAME} INTERFACE ${MAMORI_BPF_GEN_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(bpf_${NAME} INTERFACE PkgConfig::LIBBPF)
endfunction()
