#include "model/forest.h"

#include <cmath>

namespace abp {

float Forest::BaseMargin() const {
  switch (objective) {
    case Objective::kRegLogistic:
    case Objective::kBinaryLogistic:
    case Objective::kBinaryLogitRaw:
      // XGBoost's ProbToMargin for the logistic link.
      return -std::log(1.0f / base_score - 1.0f);
    default:
      return base_score;
  }
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

}  // namespace abp
