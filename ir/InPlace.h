// In-place concats and interleaves: a concat or an interleave annotated
// `in_place=true` (docs/ops.md, "Annotations"; set by the `place-concats`
// and `place-interleaves` passes) moves no data. Each of its parts is
// computed straight into its part of the node's buffer, a view with the
// whole buffer's strides (an interleave's phase steps over the other phases'
// pixels, its strides times the interleave's), so the node's group has no
// code. The regions of a split-padding-taps conv were each copied once into
// their row and again into the whole map; in place they are written once.
// The phases of a transposed conv (lower-conv-transpose) were copied pixel by
// pixel into its output, 16 MB in FCN; in place they are written once.
#pragma once

#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/Layout.h"

namespace atrous {

bool isInPlaceConcat(const Node &node);
bool isInPlaceInterleave(const Node &node);
// Either of the two.
bool isInPlace(const Node &node);

// Why `node` (a concat or an interleave) cannot be in place, or "" when it
// can: each part must be computed (not a graph input), not a graph output,
// read by nothing else (the node reading it once; a resize that takes it as
// `like=` reads only its shape), and stored in the node's layout, so that
// its slice is a view of the node's buffer. An interleave's phases must also
// hold exactly the pixels the interleave takes from them: the pixels of a
// larger phase would land on other phases' pixels or past the buffer.
std::string inPlaceProblem(const Graph &graph, ValueId node);
// The same, were the node stored in `layout` (assign-layouts asks before
// it chooses).
std::string inPlaceProblem(const Graph &graph, ValueId node, Layout layout);

// Where a value's elements live: in the buffer of `root` (the value itself
// unless an in-place node holds it, perhaps through nested ones), element i
// (per logical dim) at root index i * step + offset.
struct Placement {
  ValueId root;
  std::vector<int64_t> offset;
  std::vector<int64_t> step;
};
Placement placementOf(const Graph &graph, ValueId value);

// The strides of a value's elements in its buffer: its root's dense strides
// (ir/Layout.h, layoutStrides) times its steps.
std::vector<int64_t> storageStrides(const Graph &graph, ValueId value);

} // namespace atrous
