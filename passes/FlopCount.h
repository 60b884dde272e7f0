// FLOP counting for `atrousc check` and the benchmarks' GFLOP/s: 2 x the real
// multiply-adds of convs, transposed convs and linear layers, where a tap that
// falls in padding (or, for transposed convs, outside the output) is not
// counted, because no implementation needs to perform it. Other ops count the
// arithmetic per output element documented in docs/analysis.md.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/Graph.h"

namespace atrous {

int64_t nodeFlops(const Graph &graph, ValueId id);
// One entry per node, indexed by ValueId (inputs count 0).
std::vector<int64_t> flopCounts(const Graph &graph);

} // namespace atrous
