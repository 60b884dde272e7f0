// In-place concats: a concat annotated `in_place=true` (docs/ops.md,
// "Annotations"; set by the `place-concats` pass) moves no data. Each of its
// parts is computed straight into its slice of the concat's buffer, a view
// with the whole buffer's strides, so the concat's group has no code. The
// regions of a split-padding-taps conv were each copied once into their row
// and again into the whole map; in place they are written once.
#pragma once

#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/Layout.h"

namespace atrous {

bool isInPlaceConcat(const Node &node);

// Why `concat` cannot be in place, or "" when it can: each part must be
// computed (not a graph input), not a graph output, read by nothing else
// (the concat reading it once; a resize that takes it as `like=` reads only
// its shape), and stored in the concat's layout, so that its slice is a view
// of the concat's buffer.
std::string inPlaceProblem(const Graph &graph, ValueId concat);
// The same, were the concat stored in `layout` (assign-layouts asks before
// it chooses).
std::string inPlaceProblem(const Graph &graph, ValueId concat, Layout layout);

// Where a value's elements live: in the buffer of `root` (the value itself
// unless an in-place concat holds it, perhaps through nested ones), starting
// at logical index `offset`.
struct Placement {
  ValueId root;
  std::vector<int64_t> offset;
};
Placement placementOf(const Graph &graph, ValueId value);

// The strides of a value's elements in its buffer: its root's dense strides
// (ir/Layout.h, layoutStrides).
std::vector<int64_t> storageStrides(const Graph &graph, ValueId value);

} // namespace atrous
