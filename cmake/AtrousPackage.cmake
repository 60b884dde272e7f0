# Installation of atrous as a CMake package: `cmake --install BUILD --prefix P`
# puts atrousc in P/bin and the package files in P/lib/cmake/Atrous, so that
# another project with P in CMAKE_PREFIX_PATH can find_package(Atrous) and call
# atrous_add_model(). Included by the top-level CMakeLists.txt after the
# atrousc target exists.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ATROUS_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/Atrous")

install(TARGETS atrousc EXPORT AtrousTargets RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(EXPORT AtrousTargets NAMESPACE Atrous:: DESTINATION "${ATROUS_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/AtrousConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/AtrousConfig.cmake"
  INSTALL_DESTINATION "${ATROUS_INSTALL_CMAKEDIR}")
# 0.x releases change the generated API between minor versions.
write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/AtrousConfigVersion.cmake"
  VERSION "${atrous_VERSION}"
  COMPATIBILITY SameMinorVersion)

install(FILES "${CMAKE_CURRENT_BINARY_DIR}/AtrousConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/AtrousConfigVersion.cmake"
              "${CMAKE_CURRENT_LIST_DIR}/AtrousModel.cmake"
        DESTINATION "${ATROUS_INSTALL_CMAKEDIR}")
