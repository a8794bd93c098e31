// A cursor over untrusted bytes: every read is bounds-checked and reports
// failure instead of reading past the end. Integers are decoded explicitly
// (little- or big-endian) so the host's layout never matters.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace abp {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t pos() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  bool at_end() const { return pos_ == size_; }
  const uint8_t* here() const { return data_ + pos_; }

  bool Skip(size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }
  bool Bytes(void* out, size_t n) {
    if (n > remaining()) return false;
    std::memcpy(out, data_ + pos_, n);
    pos_ += n;
    return true;
  }
  bool Peek(uint8_t* out) const {
    if (pos_ >= size_) return false;
    *out = data_[pos_];
    return true;
  }
  bool U8(uint8_t* out) {
    if (pos_ >= size_) return false;
    *out = data_[pos_++];
    return true;
  }
  template <typename T>
  bool LE(T* out) {
    uint8_t b[sizeof(T)];
    if (!Bytes(b, sizeof(T))) return false;
    *out = DecodeLE<T>(b);
    return true;
  }
  template <typename T>
  bool BE(T* out) {
    uint8_t b[sizeof(T)];
    if (!Bytes(b, sizeof(T))) return false;
    *out = DecodeBE<T>(b);
    return true;
  }

  template <typename T>
  static T DecodeLE(const uint8_t* b) {
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
    return FromBits<T>(v);
  }
  template <typename T>
  static T DecodeBE(const uint8_t* b) {
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v = (v << 8) | b[i];
    return FromBits<T>(v);
  }

 private:
  template <typename T>
  static T FromBits(uint64_t v) {
    if constexpr (sizeof(T) == 1) {
      uint8_t x = static_cast<uint8_t>(v);
      T t;
      std::memcpy(&t, &x, 1);
      return t;
    } else if constexpr (sizeof(T) == 2) {
      uint16_t x = static_cast<uint16_t>(v);
      T t;
      std::memcpy(&t, &x, 2);
      return t;
    } else if constexpr (sizeof(T) == 4) {
      uint32_t x = static_cast<uint32_t>(v);
      T t;
      std::memcpy(&t, &x, 4);
      return t;
    } else {
      static_assert(sizeof(T) == 8, "1, 2, 4 or 8 bytes");
      T t;
      std::memcpy(&t, &v, 8);
      return t;
    }
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace abp
