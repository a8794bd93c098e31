// The canonical, validated in-memory form of an XGBoost gbtree model, produced
// by every loader (legacy binary, JSON, UBJSON) and consumed by every engine.
// A Forest that exists has passed Validate(): every index is in range, every
// tree is a proper binary tree rooted at node 0, every feature < num_feature.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace abp {

enum class Objective {
  kRegSquaredError,  // reg:squarederror (and reg:linear): identity
  kRegLogistic,      // reg:logistic: sigmoid
  kBinaryLogistic,   // binary:logistic: sigmoid
  kBinaryLogitRaw,   // binary:logitraw: identity; base_score is used as the margin as-is
  kMultiSoftprob,    // multi:softprob: softmax over groups
  kMultiSoftmax,     // multi:softmax: argmax over groups (class index as float)
};

// One node, in XGBoost's own numbering (node 0 is the root).
struct TreeNode {
  int32_t left = -1;        // -1 for a leaf
  int32_t right = -1;
  int32_t feature = 0;      // split feature index (inner nodes)
  float split = 0.0f;       // go left when x < split
  float leaf = 0.0f;        // leaf value (leaves)
  bool default_left = false;  // NaN goes left
  bool deleted = false;       // marked deleted by XGBoost's pruner (must be unreachable)
  bool is_leaf() const { return left < 0; }
};

struct Tree {
  std::vector<TreeNode> nodes;
  int32_t group = 0;  // output group (class) this tree adds to
};

struct Forest {
  std::string objective_name;  // as written in the file, e.g. "binary:logistic"
  Objective objective = Objective::kRegSquaredError;
  int32_t num_feature = 0;
  int32_t num_group = 1;       // outputs per row: num_class for multi:*, else 1
  float base_score = 0.5f;     // as stored by XGBoost (probability space for logistic)
  std::vector<Tree> trees;     // in XGBoost's order; sums follow this order
  std::string format;          // "binary" | "json" | "ubjson"

  // base_score turned into a margin by the objective's link (ProbToMargin).
  float BaseMargin() const;
  int32_t MaxDepth() const;
  // Outputs per row of a transformed prediction: 1 for multi:softmax (the
  // class index), else num_group. Margins always have num_group per row.
  int32_t NumOutput(bool margin) const;
};

// Maps an XGBoost objective name to what we run; false when unsupported.
bool ObjectiveFromName(const std::string& name, Objective* out);

// Checks every structural invariant listed above (only nodes reachable from
// the root are checked; unreachable ones must be marked deleted). Loaders
// call it last.
Status Validate(const Forest& forest, const std::string& name);

// Detects the format from the first bytes and dispatches to the loader.
// `format` is "auto", "binary", "json" or "ubjson". `name` (the file name) is
// used in error messages only. Every byte of `data` is untrusted.
Status LoadModel(const uint8_t* data, size_t size, const std::string& format,
                 const std::string& name, Forest* out);

Status LoadLegacyBinary(const uint8_t* data, size_t size, const std::string& name, Forest* out);
Status LoadJson(const uint8_t* data, size_t size, const std::string& name, Forest* out);
Status LoadUbjson(const uint8_t* data, size_t size, const std::string& name, Forest* out);

}  // namespace abp
