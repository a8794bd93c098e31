// Reads XGBoost's model schema:
//   {"learner": {"learner_model_param": {"base_score": "5E-1", "num_class": "0",
//                                        "num_feature": "6", "num_target": "1"},
//                "objective": {"name": "binary:logistic", ...},
//                "gradient_booster": {"name": "gbtree",
//                  "model": {"gbtree_model_param": {"num_trees": "10", ...},
//                            "tree_info": [0, ...],
//                            "trees": [{"id": 0, "tree_param": {"num_nodes": "29", ...},
//                                       "left_children": [...], "right_children": [...],
//                                       "split_indices": [...], "split_conditions": [...],
//                                       "default_left": [...], "split_type": [...],
//                                       "categories_nodes": [...], ...}, ...]}}},
//    "version": [1, 7, 4]}
// Scalars in the parameter objects are strings; a leaf's value is its
// split_conditions entry.
#include "model/schema.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "model/byte_reader.h"

namespace abp {
namespace {

class SchemaReader {
 public:
  SchemaReader(const std::string& name, const std::string& format) : name_(name), format_(format) {}

  Status Fail(Code code, const std::string& path, const std::string& what) const {
    return Status(code, name_ + ": " + (format_ == "json" ? "JSON" : "UBJSON") + " model: " +
                            (path.empty() ? "" : "field " + path + ": ") + what);
  }

  Status Field(const Value& obj, const std::string& path, const std::string& key, const Value** out) const {
    if (obj.type != ValueType::kObject) return Fail(Code::kModelFormat, path, "is not an object");
    *out = obj.Find(key);
    if (!*out) return Fail(Code::kModelFormat, path + "." + key, "is missing");
    return Status::Ok();
  }

  Status Object(const Value& obj, const std::string& path, const std::string& key, const Value** out) const {
    Status s = Field(obj, path, key, out);
    if (!s.ok()) return s;
    if ((*out)->type != ValueType::kObject) return Fail(Code::kModelFormat, path + "." + key, "is not an object");
    return Status::Ok();
  }

  Status String(const Value& obj, const std::string& path, const std::string& key, std::string* out) const {
    const Value* v;
    Status s = Field(obj, path, key, &v);
    if (!s.ok()) return s;
    if (v->type != ValueType::kString) return Fail(Code::kModelFormat, path + "." + key, "is not a string");
    *out = v->str;
    return Status::Ok();
  }

  // Integer parameters are written as strings ("6"); numbers are accepted too.
  Status Int(const Value& v, const std::string& path, int64_t lo, int64_t hi, int64_t* out) const {
    int64_t x = 0;
    if (v.type == ValueType::kString) {
      const char* b = v.str.data();
      const char* e = b + v.str.size();
      auto r = std::from_chars(b, e, x);
      if (r.ec != std::errc() || r.ptr != e || b == e) {
        return Fail(Code::kModelFormat, path, "\"" + v.str.substr(0, 64) + "\" is not an integer");
      }
    } else if (v.type == ValueType::kNumber) {
      if (!(v.number >= -9.2e18 && v.number <= 9.2e18) || v.number != std::floor(v.number)) {
        return Fail(Code::kModelFormat, path, "is not an integer");
      }
      x = static_cast<int64_t>(v.number);
    } else {
      return Fail(Code::kModelFormat, path, "is not an integer");
    }
    if (x < lo || x > hi) {
      return Fail(Code::kModelInvalid, path,
                  std::to_string(x) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    *out = x;
    return Status::Ok();
  }

  Status IntField(const Value& obj, const std::string& path, const std::string& key, int64_t lo, int64_t hi,
                  int64_t* out) const {
    const Value* v;
    Status s = Field(obj, path, key, &v);
    if (!s.ok()) return s;
    return Int(*v, path + "." + key, lo, hi, out);
  }

  Status Float(const Value& v, const std::string& path, float* out) const {
    if (v.type == ValueType::kString) {
      const char* b = v.str.data();
      const char* e = b + v.str.size();
      auto r = std::from_chars(b, e, *out);
      if (r.ec != std::errc() || r.ptr != e || b == e) {
        return Fail(Code::kModelFormat, path, "\"" + v.str.substr(0, 64) + "\" is not a number");
      }
      return Status::Ok();
    }
    if (v.type == ValueType::kNumber) {
      *out = v.number_f;
      return Status::Ok();
    }
    return Fail(Code::kModelFormat, path, "is not a number");
  }

  // The array-like field `key` of exactly `n` items.
  Status ArrayField(const Value& obj, const std::string& path, const std::string& key, uint64_t n,
                    const Value** out) const {
    const std::string p = path + "." + key;
    Status s = Field(obj, path, key, out);
    if (!s.ok()) return s;
    const Value* v = *out;
    if (!v->IsArrayLike()) return Fail(Code::kModelFormat, p, "is not an array");
    if (v->Length() != n) {
      return Fail(Code::kModelInvalid, p, "has " + std::to_string(v->Length()) + " items, expected " +
                                              std::to_string(n));
    }
    return Status::Ok();
  }

  // Integer array (indices, flags) of exactly `n` items, each in [lo, hi].
  Status IntArray(const Value& obj, const std::string& path, const std::string& key, uint64_t n, int64_t lo,
                  int64_t hi, std::vector<int64_t>* out) const {
    const Value* v;
    const std::string p = path + "." + key;
    Status s = ArrayField(obj, path, key, n, &v);
    if (!s.ok()) return s;
    out->resize(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) {
      int64_t x = 0;
      if (v->type == ValueType::kTyped) {
        const uint8_t* d = v->typed.data;
        switch (v->typed.type) {
          case 'i': x = ByteReader::DecodeBE<int8_t>(d + i); break;
          case 'U': x = ByteReader::DecodeBE<uint8_t>(d + i); break;
          case 'I': x = ByteReader::DecodeBE<int16_t>(d + 2 * i); break;
          case 'l': x = ByteReader::DecodeBE<int32_t>(d + 4 * i); break;
          case 'L': x = ByteReader::DecodeBE<int64_t>(d + 8 * i); break;
          default: return Fail(Code::kModelFormat, p, "holds floating-point items, expected integers");
        }
      } else {
        double d;
        if (v->type == ValueType::kNumbers) {
          d = v->numbers->d[i];
        } else {
          const Value& item = v->array[i];
          if (item.type == ValueType::kBool) {
            d = item.boolean ? 1 : 0;
          } else if (item.type == ValueType::kNumber) {
            d = item.number;
          } else {
            return Fail(Code::kModelFormat, p + "[" + std::to_string(i) + "]", "is not a number");
          }
        }
        if (!(d >= -9.2e18 && d <= 9.2e18) || d != std::floor(d)) {
          return Fail(Code::kModelFormat, p + "[" + std::to_string(i) + "]", "is not an integer");
        }
        x = static_cast<int64_t>(d);
      }
      if (x < lo || x > hi) {
        return Fail(Code::kModelInvalid, p + "[" + std::to_string(i) + "]",
                    std::to_string(x) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      }
      (*out)[static_cast<size_t>(i)] = x;
    }
    return Status::Ok();
  }

  Status FloatArray(const Value& obj, const std::string& path, const std::string& key, uint64_t n,
                    std::vector<float>* out) const {
    const Value* v;
    const std::string p = path + "." + key;
    Status s = ArrayField(obj, path, key, n, &v);
    if (!s.ok()) return s;
    out->resize(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) {
      float x;
      if (v->type == ValueType::kTyped) {
        const uint8_t* d = v->typed.data;
        switch (v->typed.type) {
          case 'd': x = ByteReader::DecodeBE<float>(d + 4 * i); break;
          case 'D': x = static_cast<float>(ByteReader::DecodeBE<double>(d + 8 * i)); break;
          case 'i': x = ByteReader::DecodeBE<int8_t>(d + i); break;
          case 'U': x = ByteReader::DecodeBE<uint8_t>(d + i); break;
          case 'I': x = ByteReader::DecodeBE<int16_t>(d + 2 * i); break;
          case 'l': x = static_cast<float>(ByteReader::DecodeBE<int32_t>(d + 4 * i)); break;
          default: x = static_cast<float>(ByteReader::DecodeBE<int64_t>(d + 8 * i)); break;
        }
      } else if (v->type == ValueType::kNumbers) {
        x = v->numbers->f[i];
      } else {
        const Value& item = v->array[i];
        if (item.type != ValueType::kNumber) {
          return Fail(Code::kModelFormat, p + "[" + std::to_string(i) + "]", "is not a number");
        }
        x = item.number_f;
      }
      (*out)[static_cast<size_t>(i)] = x;
    }
    return Status::Ok();
  }

  Status Read(const Value& doc, Forest* out) const;
  Status ReadTree(const Value& t, const std::string& path, Tree* tree) const;

 private:
  const std::string& name_;
  const std::string& format_;
};

constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();

Status SchemaReader::ReadTree(const Value& t, const std::string& path, Tree* tree) const {
  if (t.type != ValueType::kObject) return Fail(Code::kModelFormat, path, "is not an object");
  const Value* tp;
  Status s = Object(t, path, "tree_param", &tp);
  if (!s.ok()) return s;
  int64_t num_nodes = 0;
  s = IntField(*tp, path + ".tree_param", "num_nodes", 1, kI32Max, &num_nodes);
  if (!s.ok()) return s;
  if (const Value* slv = tp->Find("size_leaf_vector")) {
    int64_t size_leaf_vector = 0;
    s = Int(*slv, path + ".tree_param.size_leaf_vector", 0, kI32Max, &size_leaf_vector);
    if (!s.ok()) return s;
    if (size_leaf_vector > 1) {
      return Fail(Code::kModelUnsupported, path, "vector leaves (multi-target trees) are not supported");
    }
  }
  // Categorical splits: any split_type of 1, or any categorical node listed.
  if (const Value* cn = t.Find("categories_nodes")) {
    if (cn->IsArrayLike() && cn->Length() > 0) {
      return Fail(Code::kModelUnsupported, path, "categorical splits are not supported");
    }
  }
  const uint64_t n = static_cast<uint64_t>(num_nodes);
  if (t.Find("split_type")) {
    std::vector<int64_t> split_type;
    s = IntArray(t, path, "split_type", n, 0, 255, &split_type);
    if (!s.ok()) return s;
    for (int64_t x : split_type) {
      if (x != 0) return Fail(Code::kModelUnsupported, path, "categorical splits are not supported");
    }
  }
  std::vector<int64_t> left, right, split_index, default_left;
  std::vector<float> cond;
  s = IntArray(t, path, "left_children", n, -1, kI32Max, &left);
  if (!s.ok()) return s;
  s = IntArray(t, path, "right_children", n, -1, kI32Max, &right);
  if (!s.ok()) return s;
  s = IntArray(t, path, "split_indices", n, 0, std::numeric_limits<uint32_t>::max(), &split_index);
  if (!s.ok()) return s;
  s = IntArray(t, path, "default_left", n, 0, 1, &default_left);
  if (!s.ok()) return s;
  s = FloatArray(t, path, "split_conditions", n, &cond);
  if (!s.ok()) return s;

  tree->nodes.resize(static_cast<size_t>(n));
  for (size_t i = 0; i < n; ++i) {
    TreeNode& node = tree->nodes[i];
    // XGBoost marks a deleted (pruned, unreachable) node with split index
    // 2^31-1 and default-left set: the all-ones sindex of the binary format.
    node.deleted = split_index[i] == 0x7fffffff && default_left[i] == 1;
    if (left[i] == -1) {
      node.left = -1;
      node.right = static_cast<int32_t>(right[i]);
      node.leaf = cond[i];
    } else {
      node.left = static_cast<int32_t>(left[i]);
      node.right = static_cast<int32_t>(right[i]);
      node.feature = static_cast<int32_t>(std::min<int64_t>(split_index[i], kI32Max));
      node.default_left = default_left[i] != 0;
      node.split = cond[i];
    }
  }
  return Status::Ok();
}

Status SchemaReader::Read(const Value& doc, Forest* out) const {
  const Value *learner, *lmp, *obj, *gb, *model, *gbp;
  Status s = Object(doc, "", "learner", &learner);
  if (!s.ok()) return s;
  s = Object(*learner, "learner", "learner_model_param", &lmp);
  if (!s.ok()) return s;
  s = Object(*learner, "learner", "objective", &obj);
  if (!s.ok()) return s;
  s = Object(*learner, "learner", "gradient_booster", &gb);
  if (!s.ok()) return s;

  std::string booster;
  s = String(*gb, "learner.gradient_booster", "name", &booster);
  if (!s.ok()) return s;
  if (booster != "gbtree") {
    if (booster == "dart" || booster == "gblinear") {
      return Fail(Code::kModelUnsupported, "learner.gradient_booster.name",
                  "booster \"" + booster + "\" is not supported (only gbtree)");
    }
    return Fail(Code::kModelFormat, "learner.gradient_booster.name",
                "unknown booster \"" + booster.substr(0, 64) + "\"");
  }
  std::string objective;
  s = String(*obj, "learner.objective", "name", &objective);
  if (!s.ok()) return s;
  if (!ObjectiveFromName(objective, &out->objective)) {
    return Fail(Code::kModelUnsupported, "learner.objective.name",
                "objective \"" + objective.substr(0, 64) + "\" is not supported");
  }
  out->objective_name = objective;

  const Value* bs;
  s = Field(*lmp, "learner.learner_model_param", "base_score", &bs);
  if (!s.ok()) return s;
  s = Float(*bs, "learner.learner_model_param.base_score", &out->base_score);
  if (!s.ok()) return s;
  int64_t num_class = 0, num_feature = 0;
  s = IntField(*lmp, "learner.learner_model_param", "num_class", 0, kI32Max, &num_class);
  if (!s.ok()) return s;
  s = IntField(*lmp, "learner.learner_model_param", "num_feature", 0, kI32Max, &num_feature);
  if (!s.ok()) return s;
  if (const Value* nt = lmp->Find("num_target")) {
    int64_t num_target = 1;
    s = Int(*nt, "learner.learner_model_param.num_target", 0, kI32Max, &num_target);
    if (!s.ok()) return s;
    if (num_target > 1) {
      return Fail(Code::kModelUnsupported, "learner.learner_model_param.num_target",
                  "multi-target models are not supported");
    }
  }
  out->num_feature = static_cast<int32_t>(num_feature);
  out->num_group = num_class > 1 ? static_cast<int32_t>(num_class) : 1;
  out->format = format_;

  s = Object(*gb, "learner.gradient_booster", "model", &model);
  if (!s.ok()) return s;
  const std::string mpath = "learner.gradient_booster.model";
  s = Object(*model, mpath, "gbtree_model_param", &gbp);
  if (!s.ok()) return s;
  int64_t num_trees = 0;
  s = IntField(*gbp, mpath + ".gbtree_model_param", "num_trees", 0, kI32Max, &num_trees);
  if (!s.ok()) return s;
  const Value* trees;
  s = Field(*model, mpath, "trees", &trees);
  if (!s.ok()) return s;
  // An empty array parses as Numbers; anything else holding objects is generic.
  if (!(trees->type == ValueType::kArray || (trees->IsArrayLike() && trees->Length() == 0))) {
    return Fail(Code::kModelFormat, mpath + ".trees", "is not an array of trees");
  }
  if (trees->Length() != static_cast<uint64_t>(num_trees)) {
    return Fail(Code::kModelInvalid, mpath + ".trees",
                "has " + std::to_string(trees->Length()) + " trees but num_trees is " + std::to_string(num_trees));
  }
  std::vector<int64_t> tree_info;
  s = IntArray(*model, mpath, "tree_info", static_cast<uint64_t>(num_trees), 0, kI32Max, &tree_info);
  if (!s.ok()) return s;

  out->trees.clear();
  out->trees.resize(static_cast<size_t>(num_trees));
  std::vector<bool> seen(static_cast<size_t>(num_trees), false);
  for (size_t i = 0; i < static_cast<size_t>(num_trees); ++i) {
    const std::string path = mpath + ".trees[" + std::to_string(i) + "]";
    const Value& t = trees->array[i];
    // XGBoost places each tree by its "id"; the array order need not match.
    int64_t id = static_cast<int64_t>(i);
    if (t.type == ValueType::kObject && t.Find("id")) {
      s = IntField(t, path, "id", 0, num_trees - 1, &id);
      if (!s.ok()) return s;
    }
    if (seen[static_cast<size_t>(id)]) {
      return Fail(Code::kModelInvalid, path + ".id", "tree id " + std::to_string(id) + " appears twice");
    }
    seen[static_cast<size_t>(id)] = true;
    Tree& tree = out->trees[static_cast<size_t>(id)];
    s = ReadTree(t, path, &tree);
    if (!s.ok()) return s;
    tree.group = static_cast<int32_t>(tree_info[static_cast<size_t>(id)]);
  }
  return Status::Ok();
}

}  // namespace

Status ForestFromDocument(const Value& doc, const std::string& name, const std::string& format, Forest* out) {
  SchemaReader reader(name, format);
  return reader.Read(doc, out);
}

}  // namespace abp
