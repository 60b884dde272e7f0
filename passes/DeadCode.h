// dce: removes the nodes no graph output depends on, and their weights.
// keepNodes is the rebuild it uses, shared with passes that clean up the
// nodes their own rewrites left unused.
#pragma once

#include <memory>
#include <vector>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createDcePass();

// The graph with the nodes `keep` marks, every value they read (transitively)
// and every graph input, in their original order. The graph's outputs must be
// among the kept nodes.
Graph keepNodes(const Graph &graph, std::vector<bool> keep);

} // namespace atrous
