# Installs an agentscale build tree into a fresh prefix (fixture setup for the
# find_package consumer test).
#
#   cmake -DAGENTSCALE_BINARY_DIR=<build> -DAGENTSCALE_PREFIX=<prefix>
#         [-DAGENTSCALE_CONFIG=<config>] -P install_tree.cmake
foreach(_var IN ITEMS AGENTSCALE_BINARY_DIR AGENTSCALE_PREFIX)
  if(NOT ${_var})
    message(FATAL_ERROR "install_tree.cmake: ${_var} is not set")
  endif()
endforeach()

# Start from an empty prefix so files from an earlier run cannot hide a
# missing install rule.
file(REMOVE_RECURSE "${AGENTSCALE_PREFIX}")

set(_args --install "${AGENTSCALE_BINARY_DIR}" --prefix "${AGENTSCALE_PREFIX}")
if(AGENTSCALE_CONFIG)
  list(APPEND _args --config "${AGENTSCALE_CONFIG}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" ${_args} RESULT_VARIABLE _result)
if(NOT _result EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${_result}")
endif()

foreach(_file IN ITEMS agentscaleConfig.cmake agentscaleConfigVersion.cmake agentscaleTargets.cmake)
  file(GLOB_RECURSE _found "${AGENTSCALE_PREFIX}/*/${_file}")
  if(NOT _found)
    message(FATAL_ERROR "cmake --install did not install ${_file}")
  endif()
endforeach()
if(NOT EXISTS "${AGENTSCALE_PREFIX}/include/agentscale/hpa/spec.h")
  message(FATAL_ERROR "cmake --install did not install the public headers")
endif()
message(STATUS "Installed agentscale into ${AGENTSCALE_PREFIX}")
