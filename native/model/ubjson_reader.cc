// A bounded UBJSON reader for XGBoost's .ubj models. XGBoost writes object
// keys as a length (integer marker + value) followed by the bytes, strings as
// 'S' + length + bytes, and numeric arrays as optimized typed containers
// ([$d#L<count> then big-endian items). Every count is checked against the
// bytes left before anything is allocated; nesting is limited to kMaxDepth.
#include <cmath>
#include <limits>
#include <string>

#include "model/byte_reader.h"
#include "model/document.h"
#include "model/forest.h"
#include "model/schema.h"

namespace abp {
namespace {

size_t NumericSize(char t) {
  switch (t) {
    case 'i': case 'U': return 1;
    case 'I': return 2;
    case 'l': case 'd': return 4;
    case 'L': case 'D': return 8;
    default: return 0;
  }
}

class UbjsonParser {
 public:
  UbjsonParser(const uint8_t* data, size_t size, const std::string& name) : r_(data, size), name_(name) {}

  Status ParseDocument(Value* out) {
    uint8_t m;
    if (!r_.U8(&m)) return Fail("empty file");
    Status s = ParseWithMarker(static_cast<char>(m), out, 0);
    if (!s.ok()) return s;
    if (!r_.at_end()) return Fail("unexpected data after the end of the document");
    return Status::Ok();
  }

 private:
  Status Fail(const std::string& what) const {
    return Status(Code::kModelFormat, name_ + ": UBJSON model: " + what + " at byte " + std::to_string(r_.pos()) +
                                          " of " + std::to_string(r_.size()));
  }
  Status Count() {
    if (++values_ > kMaxValues) return Fail("more than " + std::to_string(kMaxValues) + " values");
    return Status::Ok();
  }

  // Reads a number whose marker is `m`. Integers also come back exactly in `i`.
  Status ReadNumber(char m, double* d, float* f, int64_t* i, bool* is_int) {
    *is_int = true;
    switch (m) {
      case 'i': { int8_t v; if (!r_.BE(&v)) return Fail("file ends inside a number"); *i = v; break; }
      case 'U': { uint8_t v; if (!r_.BE(&v)) return Fail("file ends inside a number"); *i = v; break; }
      case 'I': { int16_t v; if (!r_.BE(&v)) return Fail("file ends inside a number"); *i = v; break; }
      case 'l': { int32_t v; if (!r_.BE(&v)) return Fail("file ends inside a number"); *i = v; break; }
      case 'L': { int64_t v; if (!r_.BE(&v)) return Fail("file ends inside a number"); *i = v; break; }
      case 'd': {
        float v;
        if (!r_.BE(&v)) return Fail("file ends inside a number");
        *is_int = false;
        *f = v;
        *d = v;
        return Status::Ok();
      }
      case 'D': {
        double v;
        if (!r_.BE(&v)) return Fail("file ends inside a number");
        *is_int = false;
        *d = v;
        *f = static_cast<float>(v);
        return Status::Ok();
      }
      default: return Fail(std::string("expected a number marker, found ") + Describe(m));
    }
    *d = static_cast<double>(*i);
    *f = static_cast<float>(*i);
    return Status::Ok();
  }

  static std::string Describe(char m) {
    if (m >= 0x21 && m <= 0x7e) return std::string("'") + m + "'";
    return "byte " + std::to_string(static_cast<unsigned>(static_cast<uint8_t>(m)));
  }

  // A length or count: an integer with its own marker, never negative.
  Status ReadLength(const char* what, uint64_t* out) {
    uint8_t m;
    if (!r_.U8(&m)) return Fail(std::string("file ends before the ") + what);
    if (NumericSize(static_cast<char>(m)) == 0 || m == 'd' || m == 'D') {
      return Fail(std::string("the ") + what + " has marker " + Describe(static_cast<char>(m)) +
                  ", not an integer");
    }
    double d;
    float f;
    int64_t i = 0;
    bool is_int;
    Status s = ReadNumber(static_cast<char>(m), &d, &f, &i, &is_int);
    if (!s.ok()) return s;
    if (i < 0) return Fail(std::string("negative ") + what + " " + std::to_string(i));
    *out = static_cast<uint64_t>(i);
    return Status::Ok();
  }

  Status ReadStringBody(std::string* out) {
    uint64_t len = 0;
    Status s = ReadLength("string length", &len);
    if (!s.ok()) return s;
    if (len > r_.remaining()) {
      return Fail("string of " + std::to_string(len) + " bytes but only " + std::to_string(r_.remaining()) +
                  " remain");
    }
    out->assign(reinterpret_cast<const char*>(r_.here()), static_cast<size_t>(len));
    r_.Skip(static_cast<size_t>(len));
    return Status::Ok();
  }

  Status ParseWithMarker(char m, Value* out, int depth) {
    if (depth > kMaxDepth) return Fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    Status s = Count();
    if (!s.ok()) return s;
    switch (m) {
      case 'Z': out->type = ValueType::kNull; return Status::Ok();
      case 'T': out->type = ValueType::kBool; out->boolean = true; return Status::Ok();
      case 'F': out->type = ValueType::kBool; out->boolean = false; return Status::Ok();
      case 'C': {
        uint8_t c;
        if (!r_.U8(&c)) return Fail("file ends inside a char");
        out->type = ValueType::kString;
        out->str.assign(1, static_cast<char>(c));
        return Status::Ok();
      }
      case 'S': out->type = ValueType::kString; return ReadStringBody(&out->str);
      case 'H': return Fail("high-precision numbers are not used by XGBoost models");
      case '[': return ParseArray(out, depth);
      case '{': return ParseObject(out, depth);
      default: {
        if (NumericSize(m) == 0) return Fail("unknown marker " + Describe(m));
        double d;
        float f;
        int64_t i;
        bool is_int;
        s = ReadNumber(m, &d, &f, &i, &is_int);
        if (!s.ok()) return s;
        out->type = ValueType::kNumber;
        out->number = d;
        out->number_f = f;
        return Status::Ok();
      }
    }
  }

  // After '[' or '{': optional $type, optional #count. A type needs a count.
  Status ReadContainerHeader(char* type, bool* counted, uint64_t* count) {
    *type = 0;
    *counted = false;
    uint8_t m;
    if (r_.Peek(&m) && m == '$') {
      r_.Skip(1);
      if (!r_.U8(&m)) return Fail("file ends inside a container header");
      *type = static_cast<char>(m);
      if (m == 'Z' || m == 'N' || m == 'T' || m == 'F') {
        return Fail("typed container of " + Describe(static_cast<char>(m)) + " (zero-size items) not allowed");
      }
      if (!r_.Peek(&m) || m != '#') return Fail("typed container without a count");
    }
    if (r_.Peek(&m) && m == '#') {
      r_.Skip(1);
      Status s = ReadLength("container count", count);
      if (!s.ok()) return s;
      *counted = true;
      // Every item takes at least one byte (typed numeric items their full size).
      const size_t item = *type ? (NumericSize(*type) ? NumericSize(*type) : 1) : 1;
      if (*count > r_.remaining() / item) {
        return Fail("container count " + std::to_string(*count) + " cannot fit in the " +
                    std::to_string(r_.remaining()) + " remaining bytes");
      }
    }
    return Status::Ok();
  }

  Status ParseArray(Value* out, int depth) {
    if (depth + 1 > kMaxDepth) return Fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    char type;
    bool counted;
    uint64_t count = 0;
    Status s = ReadContainerHeader(&type, &counted, &count);
    if (!s.ok()) return s;
    if (type && NumericSize(type)) {
      out->type = ValueType::kTyped;
      out->typed.data = r_.here();
      out->typed.count = count;
      out->typed.type = type;
      r_.Skip(static_cast<size_t>(count * NumericSize(type)));  // checked in the header
      return Status::Ok();
    }
    out->type = ValueType::kNumbers;
    out->numbers = std::make_unique<Numbers>();
    for (uint64_t n = 0;; ++n) {
      if (counted && n == count) break;
      uint8_t m;
      if (type) {
        m = static_cast<uint8_t>(type);
      } else {
        do {
          if (!r_.U8(&m)) return Fail("file ends inside an array");
        } while (m == 'N');
        if (!counted && m == ']') break;
      }
      const char mc = static_cast<char>(m);
      if (out->type == ValueType::kNumbers && NumericSize(mc)) {
        double d;
        float f;
        int64_t i;
        bool is_int;
        s = ReadNumber(mc, &d, &f, &i, &is_int);
        if (!s.ok()) return s;
        out->numbers->d.push_back(d);
        out->numbers->f.push_back(f);
        continue;
      }
      if (out->type == ValueType::kNumbers) {
        s = ToGeneric(out);
        if (!s.ok()) return s;
      }
      out->array.emplace_back();
      s = ParseWithMarker(mc, &out->array.back(), depth + 1);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  Status ParseObject(Value* out, int depth) {
    if (depth + 1 > kMaxDepth) return Fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    out->type = ValueType::kObject;
    char type;
    bool counted;
    uint64_t count = 0;
    Status s = ReadContainerHeader(&type, &counted, &count);
    if (!s.ok()) return s;
    for (uint64_t n = 0;; ++n) {
      if (counted && n == count) break;
      if (!counted) {
        uint8_t m;
        while (r_.Peek(&m) && m == 'N') r_.Skip(1);
        if (!r_.Peek(&m)) return Fail("file ends inside an object");
        if (m == '}') {
          r_.Skip(1);
          break;
        }
      }
      out->object.emplace_back();
      auto& kv = out->object.back();
      s = ReadStringBody(&kv.first);
      if (!s.ok()) return s;
      uint8_t m;
      if (type) {
        m = static_cast<uint8_t>(type);
      } else if (!r_.U8(&m)) {
        return Fail("file ends after key \"" + kv.first.substr(0, 64) + "\"");
      }
      s = ParseWithMarker(static_cast<char>(m), &kv.second, depth + 1);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  Status ToGeneric(Value* v) {
    std::unique_ptr<Numbers> nums = std::move(v->numbers);
    v->type = ValueType::kArray;
    for (size_t i = 0; i < nums->d.size(); ++i) {
      Status s = Count();
      if (!s.ok()) return s;
      v->array.emplace_back();
      v->array.back().type = ValueType::kNumber;
      v->array.back().number = nums->d[i];
      v->array.back().number_f = nums->f[i];
    }
    return Status::Ok();
  }

  ByteReader r_;
  const std::string& name_;
  uint64_t values_ = 0;
};

}  // namespace

Status LoadUbjson(const uint8_t* data, size_t size, const std::string& name, Forest* out) {
  Value doc;
  UbjsonParser parser(data, size, name);
  Status s = parser.ParseDocument(&doc);
  if (!s.ok()) return s;
  s = ForestFromDocument(doc, name, "ubjson", out);
  if (!s.ok()) return s;
  return Validate(*out, name);
}

}  // namespace abp
