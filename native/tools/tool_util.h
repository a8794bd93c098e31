// File reading and model loading shared by the standalone native drivers.
#pragma once
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "model/forest.h"

namespace abp::tools {

// The whole file (empty when it cannot be read: the model loader or the
// caller's size checks then report it).
template <typename T = char>
std::vector<T> ReadWhole(const char* path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<T>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Loads a model file of any format; prints the loader's error on failure.
inline bool LoadForestFile(const char* path, Forest* out) {
  const std::vector<uint8_t> bytes = ReadWhole<uint8_t>(path);
  Status s = LoadModel(bytes.data(), bytes.size(), "auto", path, out);
  if (!s.ok()) std::fprintf(stderr, "%s\n", s.message().c_str());
  return s.ok();
}

}  // namespace abp::tools
