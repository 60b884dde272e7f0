// ONNX's sliding-window attributes (kernel_shape, strides, dilations, pads,
// auto_pad) resolved to explicit per-dim values, shared by Conv,
// ConvTranspose, the pools and the space_to_batch recognition, and written
// back as atrous attributes.
#pragma once

#include <vector>

#include "frontend/onnx/Importer.h"

namespace atrous::onnx_import {

struct Window {
  std::vector<int64_t> kernel, stride, dilation, padBegin, padEnd;
};

// Reads the window of the current node over spatial extents `in`. `kernel`
// is the weight's kernel for convs (checked against kernel_shape when both
// are given) or empty for pools (kernel_shape is then required).
// `strideDefault` is 1 in ONNX for every windowed op. auto_pad SAME_UPPER /
// SAME_LOWER become explicit padding as ONNX defines them.
Window readWindow(const Importer &im, const std::vector<int64_t> &in,
                  std::vector<int64_t> kernel = {});

// A per-dim list as one integer when every dim has the same value, so the
// printed model reads `kernel=3` rather than `kernel=[3, 3]`.
AttrValue compactInts(const std::vector<int64_t> &values);

// The atrous `pad=` value for explicit padding: one integer, one per dim,
// or [begin..., end...].
AttrValue padValue(const std::vector<int64_t> &begin, const std::vector<int64_t> &end);

} // namespace atrous::onnx_import
