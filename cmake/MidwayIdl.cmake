# midway_idl(TARGET file.idl... [OUTPUT_DIR dir] [INCLUDE_DIRS dir...])
#
# Compiles IDL files with midl at build time. For each FOO.idl it generates FOO.h,
# FOO_types.c, FOO_client.c and FOO_server.c in OUTPUT_DIR (default:
# ${CMAKE_CURRENT_BINARY_DIR}/midl), adds the .c files to TARGET and OUTPUT_DIR to its
# include path (PUBLIC, so a library's users find the headers too). INCLUDE_DIRS are
# searched for #include files (midl -I). The files are regenerated when an IDL file, a
# file it includes, or midl itself changes. TARGET must link midway (midway::midway or
# midway::midway_static, or midway_static in the source tree).
#
# Which midl: the `midl` target when this is the Midway source tree, else the imported
# midway::midl of find_package(midway), else `midl` on the PATH.
#
#   find_package(midway REQUIRED)
#   add_executable(hello_server server.c)
#   midway_idl(hello_server Hello.idl)
#   target_link_libraries(hello_server PRIVATE midway::midway)
include_guard(GLOBAL)

function(midway_idl target)
  cmake_parse_arguments(PARSE_ARGV 1 MIDL "" "OUTPUT_DIR" "INCLUDE_DIRS")
  if(NOT TARGET ${target})
    message(FATAL_ERROR "midway_idl: ${target} is not a target")
  endif()
  if(NOT MIDL_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "midway_idl: no IDL files given")
  endif()
  if(NOT MIDL_OUTPUT_DIR)
    set(MIDL_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/midl)
  endif()
  get_filename_component(out ${MIDL_OUTPUT_DIR} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})

  if(TARGET midl)
    set(midl_cmd $<TARGET_FILE:midl>)
    set(midl_dep midl)
  elseif(TARGET midway::midl)
    set(midl_cmd $<TARGET_FILE:midway::midl>)
    set(midl_dep $<TARGET_FILE:midway::midl>)
  else()
    find_program(MIDWAY_MIDL_EXECUTABLE midl)
    if(NOT MIDWAY_MIDL_EXECUTABLE)
      message(FATAL_ERROR "midway_idl: midl not found (install Midway or put midl on PATH)")
    endif()
    set(midl_cmd ${MIDWAY_MIDL_EXECUTABLE})
    set(midl_dep ${MIDWAY_MIDL_EXECUTABLE})
  endif()

  set(inc_args)
  foreach(dir IN LISTS MIDL_INCLUDE_DIRS)
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND inc_args -I ${dir})
  endforeach()

  foreach(idl IN LISTS MIDL_UNPARSED_ARGUMENTS)
    get_filename_component(abs ${idl} ABSOLUTE)
    get_filename_component(base ${idl} NAME)
    string(REGEX REPLACE "\\.idl$" "" base ${base})
    set(outputs ${out}/${base}.h ${out}/${base}_types.c ${out}/${base}_client.c
                ${out}/${base}_server.c)
    add_custom_command(OUTPUT ${outputs}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
      COMMAND ${midl_cmd} -o ${out} ${inc_args} --depfile ${out}/${base}.d ${abs}
      DEPENDS ${abs} ${midl_dep}
      DEPFILE ${out}/${base}.d
      COMMENT "midl ${idl}"
      VERBATIM)
    target_sources(${target} PRIVATE ${outputs})
  endforeach()
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${out}>)
endfunction()
