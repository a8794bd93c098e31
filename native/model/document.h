// A small document tree for XGBoost's JSON and UBJSON model files. Arrays of
// numbers (almost everything in a model) are stored compactly rather than as
// one Value each; UBJSON typed arrays stay as a view into the input bytes
// (the input outlives the document: both live inside one Load call).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace abp {

enum class ValueType : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject, kNumbers, kTyped };

struct Value;

// Numbers of a JSON array, kept in both precisions: float fields must be
// parsed straight to float (as XGBoost does) to avoid double rounding.
struct Numbers {
  std::vector<double> d;
  std::vector<float> f;
};

// A UBJSON typed array ([$T#n): `count` big-endian items of marker `type`.
struct TypedView {
  const uint8_t* data = nullptr;
  uint64_t count = 0;
  char type = 0;  // 'i' 'U' 'I' 'l' 'L' 'd' 'D'
};

struct Value {
  ValueType type = ValueType::kNull;
  bool boolean = false;
  double number = 0.0;
  float number_f = 0.0f;
  std::string str;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;
  std::unique_ptr<Numbers> numbers;
  TypedView typed;

  const Value* Find(const std::string& key) const {
    if (type != ValueType::kObject) return nullptr;
    for (const auto& kv : object) {
      if (kv.first == key) return &kv.second;
    }
    return nullptr;
  }
  bool IsArrayLike() const {
    return type == ValueType::kArray || type == ValueType::kNumbers || type == ValueType::kTyped;
  }
  uint64_t Length() const {
    switch (type) {
      case ValueType::kArray: return array.size();
      case ValueType::kNumbers: return numbers->d.size();
      case ValueType::kTyped: return typed.count;
      default: return 0;
    }
  }
};

// Limits shared by both readers. Models nest about 6 deep; anything past
// kMaxDepth is hostile. kMaxValues bounds the generic (non-numeric) values.
constexpr int kMaxDepth = 64;
constexpr uint64_t kMaxValues = 1u << 21;

}  // namespace abp
