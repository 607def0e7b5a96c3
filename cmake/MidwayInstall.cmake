# make install: headers, libmidway.so and .a, midway.pc and a CMake package.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/midway DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS midway midway_static EXPORT midwayTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT midwayTargets NAMESPACE midway:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/midway)

configure_package_config_file(cmake/midwayConfig.cmake.in
  ${CMAKE_BINARY_DIR}/midwayConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/midway)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/midwayConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/midwayConfig.cmake ${CMAKE_BINARY_DIR}/midwayConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/midway)
install(FILES cmake/MidwayIdl.cmake DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/midway)

configure_file(cmake/midway.pc.in ${CMAKE_BINARY_DIR}/midway.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/midway.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
