# The CUDA engine, compiled into the addon when CMake finds nvcc (included by
# the top-level CMakeLists.txt). The CUDA runtime is linked statically and
# loads the driver (libcuda.so.1) only when first asked, so the one binary
# loads on machines with no driver or no GPU; the engine then reports why and
# the CPU engine carries on. Without nvcc, native/cuda/cuda_stub.h stands in.
include(CheckLanguage)
check_language(CUDA)
if(NOT CMAKE_CUDA_COMPILER)
  message(STATUS "abp: nvcc not found: the addon is built without the CUDA engine")
  return()
endif()

# Hopper (sm_90) and Ampere (sm_80, which also runs on sm_86/89) machine code,
# plus PTX for sm_75 and sm_90, which newer GPUs compile at load.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES "75-virtual;80-real;90")
endif()
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)

add_library(abp_cuda STATIC ${CMAKE_SOURCE_DIR}/native/cuda/cuda_engine.cu)
set_target_properties(abp_cuda PROPERTIES
  CUDA_STANDARD 17
  CUDA_STANDARD_REQUIRED ON
  POSITION_INDEPENDENT_CODE ON
  CUDA_RUNTIME_LIBRARY Static)
target_include_directories(abp_cuda PUBLIC ${CMAKE_SOURCE_DIR}/native)
target_compile_definitions(abp_cuda PUBLIC ABP_WITH_CUDA)
# No fast-math: expf and the float sums must stay IEEE so that results match
# the CPU engine and XGBoost.
target_compile_options(abp_cuda PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-O3 -Xcompiler=-fPIC>)
target_link_libraries(abp_cuda PUBLIC CUDA::cudart_static)

target_link_libraries(${PROJECT_NAME} PRIVATE abp_cuda)
# The addon links with the C++ driver, not nvcc (no device linking needed).
set_target_properties(${PROJECT_NAME} PROPERTIES LINKER_LANGUAGE CXX)
message(STATUS "abp: CUDA engine enabled (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, archs ${CMAKE_CUDA_ARCHITECTURES})")
