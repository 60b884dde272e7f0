// Views of run-time tensors (Importer.h, struct View). The IR has no
// transpose or depth/space shuffles, yet exporters emit them in pairs that
// cancel (NCHW -> NHWC -> ... -> NCHW) and TensorFlow graphs spell
// space_to_batch with them. Instead of matching node sequences, the importer
// pushes an index map of the source tensor through each data-movement node
// (with the same HostTensor code that folds constants) and looks at the
// result when a consumer needs a real tensor: whatever spelling produced it,
// a map that is a strided crop of the source, zero-padded, or the source in
// another shape becomes slice / pad / reshape nodes. Any other map is an
// error naming the node that began the view.
#pragma once

#include "frontend/onnx/Importer.h"

namespace atrous::onnx_import {

// A view of IR value `id` as it is: the identity map. The map is taken over
// the value's data-movement ancestors emitted by the importer (reshape,
// flatten, slice, zero padding), so that a chain like Pad -> Reshape ->
// Transpose is seen whole.
View startView(const Importer &im, ValueId id, const std::string &origin);

// The IR value a view denotes: slices, a pad and a reshape of its source as
// needed. Throws (through the importer) when the map is not of that form.
// `named`: the last node takes the current name itself (a graph output)
// rather than a helper name.
ValueId materializeView(Importer &im, const View &view, bool named = false);

// The source axis that view axis `axis` runs along element for element
// (equal extents; along the view axis the source index steps through that
// axis from 0, every other source coordinate fixed), or -1. A view with
// padding has none. An op that works along one axis (softmax, a per-channel
// scale) can then run on the source, and the view stays a view of its result.
int lineAxis(const View &view, const Shape &src, int axis);

// Row-major multi-index of flat index `flat` in `shape`.
std::vector<int64_t> unflatten(int64_t flat, const Shape &shape);

} // namespace atrous::onnx_import
