// XGBoost's legacy binary model format, as written by Booster.save_model()
// for any file name not ending in .json/.ubj in XGBoost 1.x (and by
// save_raw()). Layout (all little-endian, as written by x86 hosts):
//   ["binf"]                       optional 4-byte header (XGBoost >= 1.0)
//   LearnerModelParamLegacy        136 bytes: base_score f32, num_feature u32,
//                                  num_class i32, contain_extra_attrs i32,
//                                  contain_eval_metrics i32, major u32, minor u32,
//                                  num_target u32, ... reserved
//   objective name                 u64 length + bytes (old writers: length << 32)
//   booster name                   u64 length + bytes ("gbtree", "dart", "gblinear")
//   GBTreeModelParam               160 bytes: num_trees i32, num_parallel_tree i32, ...
//   num_trees x RegTree:
//     TreeParam                    148 bytes: num_roots, num_nodes, num_deleted,
//                                  max_depth, num_feature, size_leaf_vector, reserved
//     Node[num_nodes]              20 bytes: parent i32, cleft i32, cright i32,
//                                  sindex u32 (bit 31 = default left), f32 leaf/split
//     RTreeNodeStat[num_nodes]     16 bytes each (training statistics, unused here)
//   tree_info                      i32[num_trees]: output group of each tree
//   attributes (if contain_extra_attrs): u64 count, then (string, string) pairs
#include <cmath>
#include <limits>
#include <string>

#include "model/byte_reader.h"
#include "model/forest.h"

namespace abp {
namespace {

constexpr size_t kLearnerParamSize = 136;
constexpr size_t kGBTreeParamSize = 160;
constexpr size_t kTreeParamSize = 148;
constexpr size_t kNodeSize = 20;
constexpr size_t kNodeStatSize = 16;
constexpr uint32_t kDeletedNode = 0xffffffffu;

class BinaryParser {
 public:
  BinaryParser(const uint8_t* data, size_t size, const std::string& name)
      : r_(data, size), name_(name) {}

  Status Parse(Forest* out);

 private:
  Status Fail(Code code, const std::string& what) const {
    return Status(code, name_ + ": XGBoost binary model: " + what + " (at byte " +
                            std::to_string(r_.pos()) + " of " + std::to_string(r_.size()) + ")");
  }
  Status Truncated(const std::string& what) const {
    return Fail(Code::kModelFormat, "file ends inside " + what);
  }
  Status ReadString(const std::string& what, size_t max_len, std::string* out);

  ByteReader r_;
  const std::string& name_;
};

Status BinaryParser::ReadString(const std::string& what, size_t max_len, std::string* out) {
  uint64_t len = 0;
  if (!r_.LE(&len)) return Truncated("the length of " + what);
  // Writers before XGBoost 0.8 stored the length in the high 32 bits and a
  // 4-byte gap after it (learner.cc keeps the same compatibility rule).
  if (len >= std::numeric_limits<uint32_t>::max()) {
    if (!r_.Skip(4)) return Truncated("the length of " + what);
    len >>= 32;
  }
  if (len > max_len) {
    return Fail(Code::kModelFormat, what + " is " + std::to_string(len) +
                                        " bytes long, more than the " + std::to_string(max_len) + " allowed");
  }
  if (len > r_.remaining()) {
    return Fail(Code::kModelFormat, what + " claims " + std::to_string(len) + " bytes but only " +
                                        std::to_string(r_.remaining()) + " remain");
  }
  out->assign(reinterpret_cast<const char*>(r_.here()), static_cast<size_t>(len));
  r_.Skip(static_cast<size_t>(len));
  return Status::Ok();
}

Status BinaryParser::Parse(Forest* out) {
  if (r_.size() >= 4 && std::memcmp(r_.here(), "binf", 4) == 0) r_.Skip(4);

  uint8_t lp[kLearnerParamSize];
  if (!r_.Bytes(lp, sizeof(lp))) return Truncated("the learner parameters (136 bytes)");
  const float base_score = ByteReader::DecodeLE<float>(lp + 0);
  const uint32_t num_feature = ByteReader::DecodeLE<uint32_t>(lp + 4);
  const int32_t num_class = ByteReader::DecodeLE<int32_t>(lp + 8);
  const int32_t contain_extra_attrs = ByteReader::DecodeLE<int32_t>(lp + 12);
  const uint32_t major_version = ByteReader::DecodeLE<uint32_t>(lp + 20);
  const uint32_t num_target = ByteReader::DecodeLE<uint32_t>(lp + 28);

  if (num_feature > static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
    return Fail(Code::kModelInvalid, "num_feature " + std::to_string(num_feature) + " is out of range");
  }
  if (num_class < 0) return Fail(Code::kModelInvalid, "num_class " + std::to_string(num_class) + " is negative");

  std::string objective, booster;
  Status s = ReadString("the objective name", 256, &objective);
  if (!s.ok()) return s;
  s = ReadString("the booster name", 256, &booster);
  if (!s.ok()) return s;
  if (booster != "gbtree") {
    if (booster == "dart" || booster == "gblinear") {
      return Fail(Code::kModelUnsupported, "booster \"" + booster + "\" is not supported (only gbtree)");
    }
    return Fail(Code::kModelFormat, "unknown booster name \"" + booster + "\" (expected gbtree)");
  }
  // Checked after the names, so random bytes fail as "not a model" first.
  // num_target was a reserved (zero) field before 1.6; >1 means multi-output trees.
  if (major_version >= 1 && num_target > 1) {
    return Fail(Code::kModelUnsupported, "multi-target models (num_target " + std::to_string(num_target) +
                                             ") are not supported");
  }
  if (!ObjectiveFromName(objective, &out->objective)) {
    return Fail(Code::kModelUnsupported, "objective \"" + objective + "\" is not supported");
  }

  uint8_t gp[kGBTreeParamSize];
  if (!r_.Bytes(gp, sizeof(gp))) return Truncated("the gbtree parameters (160 bytes)");
  const int32_t num_trees = ByteReader::DecodeLE<int32_t>(gp + 0);
  if (num_trees < 0) return Fail(Code::kModelInvalid, "num_trees " + std::to_string(num_trees) + " is negative");
  // Every tree takes at least its parameters plus one node and its statistics.
  constexpr size_t kMinTree = kTreeParamSize + kNodeSize + kNodeStatSize;
  if (static_cast<uint64_t>(num_trees) > r_.remaining() / kMinTree) {
    return Fail(Code::kModelFormat, "num_trees " + std::to_string(num_trees) + " needs at least " +
                                        std::to_string(static_cast<uint64_t>(num_trees) * kMinTree) +
                                        " more bytes but only " + std::to_string(r_.remaining()) + " remain");
  }

  out->objective_name = objective;
  out->num_feature = static_cast<int32_t>(num_feature);
  out->num_group = num_class > 1 ? num_class : 1;
  out->base_score = base_score;
  out->format = "binary";
  out->trees.clear();
  out->trees.resize(static_cast<size_t>(num_trees));

  for (int32_t t = 0; t < num_trees; ++t) {
    const std::string tree = "tree " + std::to_string(t);
    uint8_t tp[kTreeParamSize];
    if (!r_.Bytes(tp, sizeof(tp))) return Truncated("the parameters of " + tree);
    const int32_t num_nodes = ByteReader::DecodeLE<int32_t>(tp + 4);
    const int32_t size_leaf_vector = ByteReader::DecodeLE<int32_t>(tp + 20);
    if (num_nodes <= 0) {
      return Fail(Code::kModelInvalid, tree + " has num_nodes " + std::to_string(num_nodes));
    }
    if (size_leaf_vector != 0) {
      return Fail(Code::kModelUnsupported, tree + " has vector leaves (size_leaf_vector " +
                                               std::to_string(size_leaf_vector) + ")");
    }
    const uint64_t need = static_cast<uint64_t>(num_nodes) * (kNodeSize + kNodeStatSize);
    if (need > r_.remaining()) {
      return Fail(Code::kModelFormat, tree + " claims " + std::to_string(num_nodes) + " nodes (" +
                                          std::to_string(need) + " bytes) but only " +
                                          std::to_string(r_.remaining()) + " remain");
    }
    std::vector<TreeNode>& nodes = out->trees[static_cast<size_t>(t)].nodes;
    nodes.resize(static_cast<size_t>(num_nodes));
    for (int32_t i = 0; i < num_nodes; ++i) {
      const uint8_t* p = r_.here();
      r_.Skip(kNodeSize);
      TreeNode& n = nodes[static_cast<size_t>(i)];
      const int32_t cleft = ByteReader::DecodeLE<int32_t>(p + 4);
      const int32_t cright = ByteReader::DecodeLE<int32_t>(p + 8);
      const uint32_t sindex = ByteReader::DecodeLE<uint32_t>(p + 12);
      const float value = ByteReader::DecodeLE<float>(p + 16);
      n.deleted = sindex == kDeletedNode;
      if (cleft == -1) {
        n.left = n.right = -1;
        n.leaf = value;
        if (cright != -1) n.right = cright;  // Validate() rejects a leaf with a right child
      } else {
        n.left = cleft;
        n.right = cright;
        n.feature = static_cast<int32_t>(sindex & 0x7fffffffu);
        n.default_left = (sindex >> 31) != 0;
        n.split = value;
      }
    }
    r_.Skip(static_cast<size_t>(num_nodes) * kNodeStatSize);  // checked above
  }

  for (int32_t t = 0; t < num_trees; ++t) {
    int32_t group = 0;
    if (!r_.LE(&group)) return Truncated("tree_info (the output group of each tree)");
    out->trees[static_cast<size_t>(t)].group = group;
  }

  if (contain_extra_attrs != 0) {
    uint64_t count = 0;
    if (!r_.LE(&count)) return Truncated("the attribute count");
    if (count > r_.remaining() / 16) {
      return Fail(Code::kModelFormat, "attribute count " + std::to_string(count) + " cannot fit in the " +
                                          std::to_string(r_.remaining()) + " remaining bytes");
    }
    std::string key, value;
    for (uint64_t i = 0; i < count; ++i) {
      s = ReadString("attribute name", r_.remaining(), &key);
      if (!s.ok()) return s;
      s = ReadString("attribute \"" + key.substr(0, 64) + "\"", r_.remaining(), &value);
      if (!s.ok()) return s;
    }
  }
  // Writers before 1.0 may append more (eval metric names); prediction needs none of it.
  return Validate(*out, name_);
}

}  // namespace

Status LoadLegacyBinary(const uint8_t* data, size_t size, const std::string& name, Forest* out) {
  BinaryParser parser(data, size, name);
  return parser.Parse(out);
}

}  // namespace abp
