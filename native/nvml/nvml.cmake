# NVML GPM reader (included by the top-level CMakeLists.txt). libnvidia-ml is
# opened at run time with dlopen, never linked, so the addon builds without
# the CUDA toolkit and loads on machines without an NVIDIA driver.
file(GLOB ABP_NVML_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/native/nvml/*.cc)
target_sources(${PROJECT_NAME} PRIVATE ${ABP_NVML_SOURCES})
target_link_libraries(${PROJECT_NAME} PRIVATE ${CMAKE_DL_LIBS})
