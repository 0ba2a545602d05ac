# One library target per layer (docs/architecture.md), made by one helper, so
# that the build enforces the one-way layering.
#
#   agentscale_layer(NAME metrics
#     SOURCES src/metrics/series_store.cc ...
#     HEADERS metrics/series_store.h ...     # relative to include/agentscale
#     DEPS base                              # lower layers it may use
#     [PRIVATE_DEPS yaml-cpp::yaml-cpp ...]) # third-party, private
#
# makes agentscale_metrics, aliased agentscale::metrics. While agentscale
# itself is built, a layer's sources see only the headers of the layers it
# names in DEPS (and theirs): each layer gets an include tree of its own in
# the build directory (symbolic links to its headers), and that tree, not
# include/, is its build-time include directory. Including a header of a
# layer above is then a compile error ("No such file or directory").
# Installed, every header sits under one include directory as usual.
#
# agentscale_check_layers() fails the configure step when a header under
# include/agentscale belongs to no layer or to two.

set(AGENTSCALE_LAYER_ROOT "${PROJECT_BINARY_DIR}/agentscale_layers")
set_property(GLOBAL PROPERTY AGENTSCALE_LAYERED_HEADERS "")
set_property(GLOBAL PROPERTY AGENTSCALE_LAYERS "")

function(agentscale_layer)
  cmake_parse_arguments(L "" "NAME" "SOURCES;HEADERS;DEPS;PRIVATE_DEPS;PUBLIC_DEPS" ${ARGN})
  set(target agentscale_${L_NAME})
  set(tree "${AGENTSCALE_LAYER_ROOT}/${L_NAME}")
  file(REMOVE_RECURSE "${tree}")
  foreach(header IN LISTS L_HEADERS)
    set(source "${PROJECT_SOURCE_DIR}/include/agentscale/${header}")
    if(NOT EXISTS "${source}")
      message(FATAL_ERROR "agentscale layer ${L_NAME}: no header include/agentscale/${header}")
    endif()
    get_filename_component(dir "${tree}/agentscale/${header}" DIRECTORY)
    file(MAKE_DIRECTORY "${dir}")
    file(CREATE_LINK "${source}" "${tree}/agentscale/${header}" SYMBOLIC COPY_ON_ERROR)
    set_property(GLOBAL APPEND PROPERTY AGENTSCALE_LAYERED_HEADERS "${header}")
  endforeach()
  set_property(GLOBAL APPEND PROPERTY AGENTSCALE_LAYERS "${L_NAME}")
  # Which layer each source belongs to (the fuzz build groups its unity
  # batches by layer: file-local names are unique only within a layer).
  foreach(_source IN LISTS L_SOURCES)
    get_filename_component(_source "${_source}" ABSOLUTE BASE_DIR "${PROJECT_SOURCE_DIR}")
    set_property(GLOBAL PROPERTY "AGENTSCALE_LAYER_OF:${_source}" "${L_NAME}")
  endforeach()

  add_library(${target} ${L_SOURCES})
  add_library(agentscale::${L_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES
    EXPORT_NAME ${L_NAME} OUTPUT_NAME ${target} POSITION_INDEPENDENT_CODE ON)
  target_compile_features(${target} PUBLIC cxx_std_17)
  target_include_directories(${target}
    PUBLIC
      $<BUILD_INTERFACE:${tree}>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    # Helpers shared by the sources of several layers (never installed).
    PRIVATE ${PROJECT_SOURCE_DIR}/src/common)
  set(deps)
  foreach(dep IN LISTS L_DEPS)
    list(APPEND deps agentscale_${dep})
  endforeach()
  target_link_libraries(${target}
    PUBLIC ${deps} ${L_PUBLIC_DEPS}
    PRIVATE ${L_PRIVATE_DEPS})
endfunction()

function(agentscale_check_layers)
  get_property(layered GLOBAL PROPERTY AGENTSCALE_LAYERED_HEADERS)
  file(GLOB_RECURSE all RELATIVE "${PROJECT_SOURCE_DIR}/include/agentscale"
    "${PROJECT_SOURCE_DIR}/include/agentscale/*.h")
  foreach(header IN LISTS all)
    list(FIND layered "${header}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "include/agentscale/${header} belongs to no layer: "
        "add it to a layer's HEADERS in CMakeLists.txt")
    endif()
  endforeach()
  set(seen)
  foreach(header IN LISTS layered)
    if(header IN_LIST seen)
      message(FATAL_ERROR "include/agentscale/${header} is in two layers")
    endif()
    list(APPEND seen "${header}")
  endforeach()
endfunction()
