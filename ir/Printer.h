// Prints a graph in the .atr text format: one statement per node with its
// qualified name, non-default attributes and its inferred type as a trailing
// comment. The output parses back to an equal graph, which is what lets pass
// tests be written as FileCheck tests on printed IR.
#pragma once

#include <string>

#include "ir/Graph.h"

namespace atrous {

std::string printGraph(const Graph &graph);

} // namespace atrous
