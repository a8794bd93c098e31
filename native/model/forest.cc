#include "model/forest.h"

#include <cmath>
#include <cstring>

namespace abp {

float Forest::BaseMargin() const {
  switch (objective) {
    case Objective::kRegLogistic:
    case Objective::kBinaryLogistic:
      // XGBoost's ProbToMargin for the logistic link, in float as it does.
      // (binary:logitraw's ProbToMargin is the identity in 1.7: its
      // base_score is already a margin, checked against XGBoost's output.)
      return -std::log(1.0f / base_score - 1.0f);
    default:
      return base_score;
  }
}

int32_t Forest::NumOutput(bool margin) const {
  if (!margin && objective == Objective::kMultiSoftmax) return 1;
  return num_group;
}

int32_t Forest::MaxDepth() const {
  int32_t best = 0;
  std::vector<std::pair<int32_t, int32_t>> stack;
  for (const Tree& t : trees) {
    stack.clear();
    stack.emplace_back(0, 0);
    while (!stack.empty()) {
      auto [id, d] = stack.back();
      stack.pop_back();
      if (d > best) best = d;
      const TreeNode& n = t.nodes[static_cast<size_t>(id)];
      if (!n.is_leaf()) {
        stack.emplace_back(n.left, d + 1);
        stack.emplace_back(n.right, d + 1);
      }
    }
  }
  return best;
}

bool ObjectiveFromName(const std::string& name, Objective* out) {
  if (name == "reg:squarederror" || name == "reg:linear") *out = Objective::kRegSquaredError;
  else if (name == "reg:logistic") *out = Objective::kRegLogistic;
  else if (name == "binary:logistic") *out = Objective::kBinaryLogistic;
  else if (name == "binary:logitraw") *out = Objective::kBinaryLogitRaw;
  else if (name == "multi:softprob") *out = Objective::kMultiSoftprob;
  else if (name == "multi:softmax") *out = Objective::kMultiSoftmax;
  else return false;
  return true;
}

namespace {

Status Invalid(const std::string& name, const std::string& what) {
  return Status(Code::kModelInvalid, name + ": invalid model: " + what);
}

}  // namespace

Status Validate(const Forest& forest, const std::string& name) {
  if (forest.num_feature < 0) return Invalid(name, "num_feature is negative");
  if (forest.num_group < 1) return Invalid(name, "num_group is less than 1");
  // Each class of a multi-class model has its own trees, so num_class cannot
  // exceed the number of trees; this also bounds the engines' per-row scratch.
  if (forest.num_group > 1 &&
      (static_cast<size_t>(forest.num_group) > forest.trees.size() || forest.num_group > (1 << 16))) {
    return Invalid(name, "num_class " + std::to_string(forest.num_group) + " is more than the " +
                             std::to_string(forest.trees.size()) + " trees (or 65536)");
  }
  if (!std::isfinite(forest.base_score)) return Invalid(name, "base_score is not finite");
  switch (forest.objective) {
    case Objective::kRegLogistic:
    case Objective::kBinaryLogistic:
      if (!(forest.base_score > 0.0f && forest.base_score < 1.0f)) {
        return Invalid(name, "base_score " + std::to_string(forest.base_score) + " must be in (0, 1) for " +
                                 forest.objective_name);
      }
      break;
    case Objective::kMultiSoftprob:
    case Objective::kMultiSoftmax:
      break;
    default:
      break;
  }

  std::vector<uint8_t> seen;
  std::vector<int32_t> stack;
  for (size_t t = 0; t < forest.trees.size(); ++t) {
    const Tree& tree = forest.trees[t];
    const std::string where = "tree " + std::to_string(t);
    const size_t n = tree.nodes.size();
    if (n == 0) return Invalid(name, where + " has no nodes");
    if (n > static_cast<size_t>(INT32_MAX)) return Invalid(name, where + " has too many nodes");
    if (tree.group < 0 || tree.group >= forest.num_group) {
      return Invalid(name, where + " adds to output group " + std::to_string(tree.group) + " but the model has " +
                               std::to_string(forest.num_group));
    }
    seen.assign(n, 0);
    stack.clear();
    stack.push_back(0);
    seen[0] = 1;
    while (!stack.empty()) {
      const int32_t id = stack.back();
      stack.pop_back();
      const TreeNode& node = tree.nodes[static_cast<size_t>(id)];
      const std::string at = where + " node " + std::to_string(id);
      if (node.deleted) return Invalid(name, at + " is marked deleted but is reachable");
      if (node.is_leaf()) {
        if (node.left != -1) return Invalid(name, at + " has left child " + std::to_string(node.left));
        if (node.right != -1) return Invalid(name, at + " is a leaf with a right child");
        if (!std::isfinite(node.leaf)) return Invalid(name, at + " has a non-finite leaf value");
        continue;
      }
      if (node.feature < 0 || node.feature >= forest.num_feature) {
        return Invalid(name, at + " splits on feature " + std::to_string(node.feature) + " but num_feature is " +
                                 std::to_string(forest.num_feature));
      }
      if (!std::isfinite(node.split)) return Invalid(name, at + " has a non-finite split value");
      for (const int32_t child : {node.left, node.right}) {
        if (child < 0 || static_cast<size_t>(child) >= n) {
          return Invalid(name, at + " has child " + std::to_string(child) + " outside [0, " + std::to_string(n) + ")");
        }
        if (seen[static_cast<size_t>(child)]) {
          return Invalid(name, at + " reaches node " + std::to_string(child) +
                                   " a second time (a cycle or a shared child)");
        }
        seen[static_cast<size_t>(child)] = 1;
        stack.push_back(child);
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if (!seen[i] && !tree.nodes[i].deleted) {
        return Invalid(name, where + " node " + std::to_string(i) + " is not reachable from the root");
      }
    }
  }
  return Status::Ok();
}

Status LoadModel(const uint8_t* data, size_t size, const std::string& format, const std::string& name,
                 Forest* out) {
  if (format == "binary") return LoadLegacyBinary(data, size, name, out);
  if (format == "json") return LoadJson(data, size, name, out);
  if (format == "ubjson") return LoadUbjson(data, size, name, out);
  if (format != "auto") {
    return Status(Code::kBadArgument, name + ": unknown model format \"" + format +
                                          "\" (expected auto, binary, json or ubjson)");
  }
  if (size == 0) return Status(Code::kModelFormat, name + ": the model file is empty");
  if (size >= 4 && std::memcmp(data, "binf", 4) == 0) return LoadLegacyBinary(data, size, name, out);
  // JSON: optional whitespace then '{' followed by whitespace, '"' or '}'.
  // UBJSON: '{' followed by a length marker for the first key.
  size_t i = 0;
  while (i < size && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) ++i;
  if (i < size && data[i] == '{') {
    if (i > 0) return LoadJson(data, size, name, out);
    const uint8_t next = size > 1 ? data[1] : 0;
    if (next == '"' || next == '}' || next == ' ' || next == '\n' || next == '\r' || next == '\t') {
      return LoadJson(data, size, name, out);
    }
    return LoadUbjson(data, size, name, out);
  }
  // Writers before XGBoost 1.0 had no "binf" header: the file starts with
  // the learner parameters. Anything else fails there with a clear message.
  if (size >= 136 + 16) return LoadLegacyBinary(data, size, name, out);
  return Status(Code::kModelFormat, name + ": not an XGBoost model (no \"binf\" header, not JSON or UBJSON, and only " +
                                        std::to_string(size) + " bytes)");
}

}  // namespace abp
