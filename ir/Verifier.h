// The verifier: checks the invariants every later layer relies on, after
// parsing and after every pass. Inputs defined before use (no cycles), unique
// names, schema-conforming arity and attributes, stored types equal to the
// re-inferred ones, at least one output. Throws atrous::SourceError naming
// the node, its source line and the problem.
#pragma once

#include "ir/Graph.h"

namespace atrous {

void verify(const Graph &graph);

} // namespace atrous
