# Triton's in-process C API bridge (included by the top-level CMakeLists.txt).
# libtritonserver.so is opened at run time with dlopen, never linked, so the
# addon builds and loads on machines without Triton; only libdl is needed.
file(GLOB ABP_TRITON_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/native/triton/*.cc)
target_sources(${PROJECT_NAME} PRIVATE ${ABP_TRITON_SOURCES})
target_link_libraries(${PROJECT_NAME} PRIVATE ${CMAKE_DL_LIBS})
