// split-padding-taps: computes a conv2d whose taps mostly read its zero
// padding (a dilation near the map's size), or a conv1d with any tap in it
// (a causal one), as convs over the regions of its output where the same
// taps land inside the input, each with only those taps, joined by concats.
// See passes/SplitPaddingTaps.cpp for the rules.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createSplitPaddingTapsPass();

// A conv2d is split when at least this fraction of its taps, counted over
// all outputs, reads padding (a conv1d, when any does).
inline constexpr double kSplitPaddingFraction = 0.2;

} // namespace atrous
