// Shape inference: the output type of a node from its inputs' types and its
// attributes. Invalid combinations (shape mismatches, impossible attributes)
// throw atrous::Error with a message that names the problem; callers add the
// node and its source location.
#pragma once

#include <vector>

#include "ir/Graph.h"

namespace atrous {

TensorType inferType(const Node &node, const std::vector<TensorType> &inputTypes);

// Fills in schema defaults and checks that every attribute is known and of
// the schema's type (converting an int to a float where a float is expected,
// a scalar to a one-element list). Throws atrous::Error.
void normalizeAttrs(OpKind op, Attrs &attrs);

} // namespace atrous
