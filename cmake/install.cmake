# Install and export rules for agentscale. Included by the top-level
# CMakeLists.txt when AGENTSCALE_INSTALL is ON.
#
# Installs the public headers, the libraries and an `agentscaleTargets` export
# set under the `agentscale::` namespace, plus a package config file and a
# version file, so that a consumer can write
#
#   find_package(agentscale 0.1 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE agentscale::agentscale)

include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

set(AGENTSCALE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/agentscale"
  CACHE STRING "Where agentscale's CMake package files are installed, relative to the prefix")
mark_as_advanced(AGENTSCALE_INSTALL_CMAKEDIR)

# Public headers: everything under include/agentscale/ but internal/, which
# only agentscale's own sources include (no public header does; the
# find_package consumer test builds against the installed tree).
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/agentscale"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT agentscale_Development
  FILES_MATCHING PATTERN "*.h" PATTERN "*.inc"
  PATTERN "internal" EXCLUDE)

# Libraries. Targets that a given build does not define (agentscale_sim is
# planned) are skipped, so this file need not change when one is added.
set(_agentscale_install_targets)
foreach(_target IN ITEMS agentscale_base agentscale_metrics agentscale_policy agentscale_hpa agentscale_schedule agentscale_forecast agentscale_keda agentscale_aws agentscale_nodes
    agentscale_sim agentscale_tune agentscale_config agentscale_drivers agentscale_serve agentscale_core agentscale_agentscale)
  if(TARGET ${_target})
    list(APPEND _agentscale_install_targets ${_target})
  endif()
endforeach()

# A shared build: let each installed library find its installed siblings
# (agentscale_config needs agentscale_core) in a prefix off the loader's path.
foreach(_target IN LISTS _agentscale_install_targets)
  get_target_property(_type ${_target} TYPE)
  get_target_property(_rpath ${_target} INSTALL_RPATH)
  if(_type STREQUAL "SHARED_LIBRARY" AND NOT _rpath)
    if(APPLE)
      set_target_properties(${_target} PROPERTIES INSTALL_RPATH "@loader_path")
    elseif(UNIX)
      set_target_properties(${_target} PROPERTIES INSTALL_RPATH "$ORIGIN")
    endif()
  endif()
endforeach()

install(TARGETS ${_agentscale_install_targets}
  EXPORT agentscaleTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT agentscale_Development
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT agentscale_Runtime
          NAMELINK_COMPONENT agentscale_Development
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT agentscale_Runtime
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(EXPORT agentscaleTargets
  NAMESPACE agentscale::
  FILE agentscaleTargets.cmake
  DESTINATION "${AGENTSCALE_INSTALL_CMAKEDIR}"
  COMPONENT agentscale_Development)

# A static agentscale_config carries yaml-cpp as a $<LINK_ONLY:...> entry in
# its exported interface, so the consumer needs yaml-cpp's targets; a shared
# one hides it entirely.
get_target_property(_agentscale_config_type agentscale_config TYPE)
if(_agentscale_config_type STREQUAL "STATIC_LIBRARY")
  set(AGENTSCALE_CONFIG_NEEDS_YAML_CPP ON)
else()
  set(AGENTSCALE_CONFIG_NEEDS_YAML_CPP OFF)
endif()

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/agentscaleConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/agentscaleConfig.cmake"
  INSTALL_DESTINATION "${AGENTSCALE_INSTALL_CMAKEDIR}"
  NO_SET_AND_CHECK_MACRO)

write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/agentscaleConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)

install(FILES
  "${PROJECT_BINARY_DIR}/agentscaleConfig.cmake"
  "${PROJECT_BINARY_DIR}/agentscaleConfigVersion.cmake"
  DESTINATION "${AGENTSCALE_INSTALL_CMAKEDIR}"
  COMPONENT agentscale_Development)

unset(_target)
unset(_type)
unset(_rpath)
unset(_agentscale_install_targets)
unset(_agentscale_config_type)
