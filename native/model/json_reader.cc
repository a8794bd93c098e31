// A bounded JSON reader for XGBoost's model JSON: recursion limited to
// kMaxDepth, generic values limited to kMaxValues, errors carry line:column.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "model/document.h"
#include "model/forest.h"
#include "model/schema.h"

namespace abp {
namespace {

class JsonParser {
 public:
  JsonParser(const uint8_t* data, size_t size, const std::string& name)
      : p_(reinterpret_cast<const char*>(data)), end_(p_ + size), begin_(p_), name_(name) {}

  Status ParseDocument(Value* out) {
    SkipSpace();
    Status s = ParseValue(out, 0);
    if (!s.ok()) return s;
    SkipSpace();
    if (p_ != end_) return Fail("unexpected data after the end of the document");
    return Status::Ok();
  }

 private:
  Status Fail(const std::string& what) const {
    size_t line = 1, col = 1;
    for (const char* q = begin_; q < p_ && q < end_; ++q) {
      if (*q == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Status(Code::kModelFormat, name_ + ": JSON model: " + what + " at line " + std::to_string(line) +
                                          ", column " + std::to_string(col));
  }
  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  Status Count() {
    if (++values_ > kMaxValues) return Fail("more than " + std::to_string(kMaxValues) + " values");
    return Status::Ok();
  }
  bool Literal(const char* word) {
    const size_t n = std::char_traits<char>::length(word);
    if (static_cast<size_t>(end_ - p_) < n || std::char_traits<char>::compare(p_, word, n) != 0) return false;
    p_ += n;
    return true;
  }

  Status ParseValue(Value* out, int depth) {
    if (depth > kMaxDepth) return Fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    if (p_ >= end_) return Fail("unexpected end of file");
    Status s = Count();
    if (!s.ok()) return s;
    switch (*p_) {
      case '{': return ParseObject(out, depth);
      case '[': return ParseArray(out, depth);
      case '"':
        out->type = ValueType::kString;
        return ParseString(&out->str);
      case 't':
        if (!Literal("true")) return Fail("invalid literal");
        out->type = ValueType::kBool;
        out->boolean = true;
        return Status::Ok();
      case 'f':
        if (!Literal("false")) return Fail("invalid literal");
        out->type = ValueType::kBool;
        return Status::Ok();
      case 'n':
        if (!Literal("null")) return Fail("invalid literal");
        out->type = ValueType::kNull;
        return Status::Ok();
      default:
        out->type = ValueType::kNumber;
        return ParseNumber(&out->number, &out->number_f);
    }
  }

  Status ParseNumber(double* d, float* f) {
    const char* start = p_;
    const char* q = p_;
    if (q < end_ && *q == '-') ++q;
    if (q >= end_ || !(*q >= '0' && *q <= '9')) return Fail("invalid value");
    if (*q == '0') {
      ++q;
    } else {
      while (q < end_ && *q >= '0' && *q <= '9') ++q;
    }
    if (q < end_ && *q == '.') {
      ++q;
      if (q >= end_ || !(*q >= '0' && *q <= '9')) return Fail("invalid number");
      while (q < end_ && *q >= '0' && *q <= '9') ++q;
    }
    if (q < end_ && (*q == 'e' || *q == 'E')) {
      ++q;
      if (q < end_ && (*q == '+' || *q == '-')) ++q;
      if (q >= end_ || !(*q >= '0' && *q <= '9')) return Fail("invalid number");
      while (q < end_ && *q >= '0' && *q <= '9') ++q;
    }
    // The grammar above already matched, so from_chars can only fail on
    // range (overflow or underflow); then strtod/strtof give +-inf or 0 as
    // IEEE rounding does (Node never changes the C locale).
    auto rd = std::from_chars(start, q, *d);
    auto rf = std::from_chars(start, q, *f);
    if (rd.ptr != q || rf.ptr != q || rd.ec != std::errc() || rf.ec != std::errc()) {
      const std::string token(start, q);
      *d = std::strtod(token.c_str(), nullptr);
      *f = std::strtof(token.c_str(), nullptr);
    }
    p_ = q;
    return Status::Ok();
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  bool Hex4(uint32_t* out) {
    if (end_ - p_ < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = p_[i];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    p_ += 4;
    *out = v;
    return true;
  }

  Status ParseString(std::string* out) {
    ++p_;  // opening quote
    out->clear();
    for (;;) {
      if (p_ >= end_) return Fail("unterminated string");
      const char c = *p_++;
      if (c == '"') return Status::Ok();
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (p_ >= end_) return Fail("unterminated string");
      const char e = *p_++;
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return Fail("invalid \\u escape");
          if (cp >= 0xd800 && cp < 0xdc00 && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
            p_ += 2;
            uint32_t lo = 0;
            if (!Hex4(&lo) || lo < 0xdc00 || lo >= 0xe000) return Fail("invalid surrogate pair");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default: return Fail("invalid escape in string");
      }
    }
  }

  Status ParseObject(Value* out, int depth) {
    ++p_;
    out->type = ValueType::kObject;
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return Status::Ok();
    }
    for (;;) {
      SkipSpace();
      if (p_ >= end_ || *p_ != '"') return Fail("expected a key string");
      out->object.emplace_back();
      auto& kv = out->object.back();
      Status s = ParseString(&kv.first);
      if (!s.ok()) return s;
      SkipSpace();
      if (p_ >= end_ || *p_ != ':') return Fail("expected ':'");
      ++p_;
      SkipSpace();
      s = ParseValue(&kv.second, depth + 1);
      if (!s.ok()) return s;
      SkipSpace();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (p_ < end_ && *p_ == '}') {
        ++p_;
        return Status::Ok();
      }
      return Fail("expected ',' or '}'");
    }
  }

  static bool StartsNumber(char c) { return c == '-' || (c >= '0' && c <= '9'); }

  // Arrays of numbers go into Numbers; the first non-number turns the array
  // into a generic one.
  Status ParseArray(Value* out, int depth) {
    if (depth + 1 > kMaxDepth) return Fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    ++p_;
    out->type = ValueType::kNumbers;
    out->numbers = std::make_unique<Numbers>();
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return Status::Ok();
    }
    for (;;) {
      SkipSpace();
      if (p_ >= end_) return Fail("unexpected end of file in array");
      if (out->type == ValueType::kNumbers && StartsNumber(*p_)) {
        double d;
        float f;
        Status s = ParseNumber(&d, &f);
        if (!s.ok()) return s;
        out->numbers->d.push_back(d);
        out->numbers->f.push_back(f);
      } else {
        if (out->type == ValueType::kNumbers) {
          Status s = ToGeneric(out);
          if (!s.ok()) return s;
        }
        out->array.emplace_back();
        Status s = ParseValue(&out->array.back(), depth + 1);
        if (!s.ok()) return s;
      }
      SkipSpace();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (p_ < end_ && *p_ == ']') {
        ++p_;
        return Status::Ok();
      }
      return Fail("expected ',' or ']'");
    }
  }

  Status ToGeneric(Value* v) {
    std::unique_ptr<Numbers> nums = std::move(v->numbers);
    v->type = ValueType::kArray;
    v->array.reserve(nums->d.size() + 1);
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

  const char* p_;
  const char* end_;
  const char* begin_;
  const std::string& name_;
  uint64_t values_ = 0;
};

}  // namespace

Status LoadJson(const uint8_t* data, size_t size, const std::string& name, Forest* out) {
  Value doc;
  JsonParser parser(data, size, name);
  Status s = parser.ParseDocument(&doc);
  if (!s.ok()) return s;
  s = ForestFromDocument(doc, name, "json", out);
  if (!s.ok()) return s;
  return Validate(*out, name);
}

}  // namespace abp
