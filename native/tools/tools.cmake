# Standalone native drivers, built with -DABP_NATIVE_TOOLS=ON into their own
# build directory (e.g. cmake -S . -B build-tools -DABP_NATIVE_TOOLS=ON).
# abp_fuzz_load: mutation fuzzer of the model loaders and the CPU engine,
# built with AddressSanitizer and UndefinedBehaviorSanitizer.
file(GLOB ABP_TOOL_CORE_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/native/common/*.cc
  ${CMAKE_SOURCE_DIR}/native/model/*.cc
  ${CMAKE_SOURCE_DIR}/native/engine/*.cc)
add_executable(abp_fuzz_load ${CMAKE_SOURCE_DIR}/native/tools/fuzz_load.cc ${ABP_TOOL_CORE_SOURCES})
target_include_directories(abp_fuzz_load PRIVATE ${CMAKE_SOURCE_DIR}/native)
target_compile_options(abp_fuzz_load PRIVATE -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
target_link_options(abp_fuzz_load PRIVATE -fsanitize=address,undefined)
target_link_libraries(abp_fuzz_load PRIVATE Threads::Threads)

# abp_bench_cpu: times the CPU engine on a model and a float32 input file.
add_executable(abp_bench_cpu ${CMAKE_SOURCE_DIR}/native/tools/bench_cpu.cc)
target_link_libraries(abp_bench_cpu PRIVATE abp_core)
target_compile_options(abp_bench_cpu PRIVATE -O3)

# abp_stress_threads: concurrent predicts on one forest under ThreadSanitizer.
add_executable(abp_stress_threads ${CMAKE_SOURCE_DIR}/native/tools/stress_threads.cc ${ABP_TOOL_CORE_SOURCES})
target_include_directories(abp_stress_threads PRIVATE ${CMAKE_SOURCE_DIR}/native)
target_compile_options(abp_stress_threads PRIVATE -O1 -g -fsanitize=thread)
target_link_options(abp_stress_threads PRIVATE -fsanitize=thread)
target_link_libraries(abp_stress_threads PRIVATE Threads::Threads)
