// Operator arguments that moved between attributes and inputs across
// opsets (Slice, Pad, Split, Squeeze, Unsqueeze, Clip, the Reduce ops) or
// that need resolving against a shape (Reshape's 0 and -1), read once here
// for the constant folder and the run-time converters alike.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "frontend/onnx/Importer.h"

namespace atrous::onnx_import {

struct SliceArgs {
  std::vector<int64_t> starts, ends, axes, steps;
};
// Slice: attributes before opset 10, inputs from 10 (axes default to
// 0..n-1, steps to 1).
SliceArgs sliceArgs(const Importer &im, int rank);

struct PadArgs {
  std::vector<int64_t> pads; // ONNX order over every dim: begins then ends
  std::string mode = "constant";
  double value = 0;
};
// Pad: attributes before opset 11, inputs from 11.
PadArgs padArgs(const Importer &im, int rank);

// Split: the sizes of the parts along `axis` (attribute before opset 13,
// input from 13, else equal parts, one per output).
std::vector<int64_t> splitSizes(const Importer &im, const Shape &shape, int axis);

// Squeeze's axes (empty: every dim of extent 1) and Unsqueeze's axes
// (attribute before opset 13, input from 13), not yet normalised.
std::vector<int64_t> squeezeAxes(const Importer &im);
std::vector<int64_t> unsqueezeAxes(const Importer &im);
Shape squeezedShape(const Importer &im, const Shape &in);
Shape unsqueezedShape(const Importer &im, const Shape &in);

// Reshape's target with 0 (copy, unless allowzero) and -1 (infer) resolved.
Shape reshapeTarget(const Importer &im, const Shape &in);

// The axes a Reduce op reduces (attribute, or input for ReduceSum from
// opset 13), normalised and sorted; every axis when none are given.
std::vector<int> reduceAxes(const Importer &im, int rank);

struct ClipBounds {
  std::optional<double> min, max;
};
// Clip: attributes before opset 11, optional inputs from 11.
ClipBounds clipBounds(const Importer &im);

} // namespace atrous::onnx_import
