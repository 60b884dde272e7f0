# atrous_add_model(): compiles a `.atr` model into a static library and a C
# header at build time, the way Halide's add_halide_library() does, so that an
# application's build runs `atrousc compile` itself and relinks when the model,
# its weights or the compiler change.
#
#   atrous_add_model(NAME <name> MODEL <file.atr>
#                    [WEIGHTS <random:SEED | file.safetensors>]
#                    [TARGET <target>]            # default: host
#                    [EXTERNAL_WEIGHTS]
#                    [INPUT_SHAPES <input>=1x3x65x65 ...])
#
# makes `<name>.a` and `<name>.h` (and `<name>.weights` with EXTERNAL_WEIGHTS)
# in the current binary directory, and a static library target `<name>` whose
# usage requirements carry that directory as an include path and link the
# Halide runtime for TARGET, Threads and the dynamic loader. The runtime is
# compiled once per target string per build tree (target
# `atrous_runtime_<target>`) and shared by every model of that target, so
# several models link into one application without duplicate symbols; models
# of different targets need different runtimes and cannot share one app.
#
# The compiler is ${ATROUS_COMPILER} when set, else the imported
# `Atrous::atrousc` (find_package(Atrous)), else the in-tree `atrousc` target.
include_guard(GLOBAL)

find_package(Threads REQUIRED)

function(_atrous_compiler out_var)
  if(ATROUS_COMPILER)
    set(compiler "${ATROUS_COMPILER}")
  elseif(TARGET Atrous::atrousc)
    set(compiler Atrous::atrousc)
  elseif(TARGET atrousc)
    set(compiler atrousc)
  else()
    message(FATAL_ERROR "atrous_add_model: no atrousc: find_package(Atrous) first, "
                        "or set ATROUS_COMPILER to the path of atrousc")
  endif()
  set(${out_var} "${compiler}" PARENT_SCOPE)
endfunction()

# The runtime library target for `target`, created on first use.
function(_atrous_runtime target out_var)
  string(MAKE_C_IDENTIFIER "${target}" id)
  set(runtime atrous_runtime_${id})
  if(NOT TARGET ${runtime})
    _atrous_compiler(compiler)
    set(dir "${CMAKE_BINARY_DIR}/atrous_runtime/${id}")
    set(archive "${dir}/atrous_runtime${CMAKE_STATIC_LIBRARY_SUFFIX}")
    file(MAKE_DIRECTORY "${dir}")
    add_custom_command(
      OUTPUT "${archive}"
      COMMAND ${compiler} runtime --target "${target}" -o "${archive}"
      DEPENDS ${compiler}
      COMMENT "Compiling the atrous (Halide) runtime for ${target}"
      VERBATIM)
    add_custom_target(${runtime}_generate DEPENDS "${archive}")
    add_library(${runtime} STATIC IMPORTED GLOBAL)
    set_target_properties(${runtime} PROPERTIES
      IMPORTED_LOCATION "${archive}"
      IMPORTED_LINK_INTERFACE_LANGUAGES C)
    set(system_libs Threads::Threads ${CMAKE_DL_LIBS})
    if(UNIX AND NOT APPLE)
      list(APPEND system_libs m)
    endif()
    target_link_libraries(${runtime} INTERFACE ${system_libs})
    add_dependencies(${runtime} ${runtime}_generate)
  endif()
  set(${out_var} ${runtime} PARENT_SCOPE)
endfunction()

function(atrous_add_model)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "EXTERNAL_WEIGHTS" "NAME;MODEL;WEIGHTS;TARGET"
                        "INPUT_SHAPES")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "atrous_add_model: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_NAME OR NOT ARG_MODEL)
    message(FATAL_ERROR "atrous_add_model: NAME and MODEL are required")
  endif()
  # The name prefixes the generated C functions and macros, and names the files.
  if(NOT ARG_NAME MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "atrous_add_model: NAME `${ARG_NAME}` is not a C identifier")
  endif()
  if(NOT ARG_TARGET)
    set(ARG_TARGET host)
  endif()
  _atrous_compiler(compiler)
  _atrous_runtime("${ARG_TARGET}" runtime)

  get_filename_component(model "${ARG_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(depends "${model}" ${compiler})
  set(args compile "${model}" --target "${ARG_TARGET}")
  if(DEFINED ARG_WEIGHTS)
    if(ARG_WEIGHTS MATCHES "^random:")
      list(APPEND args --weights "${ARG_WEIGHTS}")
    else()
      get_filename_component(weights "${ARG_WEIGHTS}" ABSOLUTE
                             BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
      list(APPEND args --weights "${weights}")
      list(APPEND depends "${weights}")
    endif()
  endif()
  foreach(shape IN LISTS ARG_INPUT_SHAPES)
    list(APPEND args --input-shape "${shape}")
  endforeach()

  set(prefix "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}")
  set(library "${prefix}${CMAKE_STATIC_LIBRARY_SUFFIX}")
  set(outputs "${library}" "${prefix}.h")
  if(ARG_EXTERNAL_WEIGHTS)
    list(APPEND args --external-weights)
    list(APPEND outputs "${prefix}.weights")
  endif()

  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${compiler} ${args} -o "${prefix}"
    DEPENDS ${depends}
    WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}"
    COMMENT "Compiling atrous model ${ARG_NAME} (${ARG_MODEL}) for ${ARG_TARGET}"
    VERBATIM)
  add_custom_target(${ARG_NAME}_generate ALL DEPENDS ${outputs})

  add_library(${ARG_NAME} STATIC IMPORTED GLOBAL)
  set_target_properties(${ARG_NAME} PROPERTIES
    IMPORTED_LOCATION "${library}"
    IMPORTED_LINK_INTERFACE_LANGUAGES C
    ATROUS_TARGET "${ARG_TARGET}")
  if(ARG_EXTERNAL_WEIGHTS)
    set_target_properties(${ARG_NAME} PROPERTIES ATROUS_WEIGHTS_FILE "${prefix}.weights")
  endif()
  target_include_directories(${ARG_NAME} INTERFACE "${CMAKE_CURRENT_BINARY_DIR}")
  target_link_libraries(${ARG_NAME} INTERFACE ${runtime})
  add_dependencies(${ARG_NAME} ${ARG_NAME}_generate)
endfunction()
