// Receptive field analysis: for every value, how many pixels of the model's
// first input one of its elements can see (size) and how far apart in input
// pixels two neighbouring elements are (effective stride), per spatial dim.
// Reported by `atrousc check`; documented in docs/analysis.md.
#pragma once

#include <vector>

#include "ir/Graph.h"

namespace atrous {

struct ReceptiveField {
  std::vector<double> size;   // per spatial dim, in input pixels
  std::vector<double> stride; // per spatial dim; below 1 after upsampling
  bool global = false;        // sees the whole input (after a global pool)
};

// One entry per node, indexed by ValueId. Values with no spatial dims (after
// flatten or linear) are global.
std::vector<ReceptiveField> receptiveFields(const Graph &graph);

} // namespace atrous
