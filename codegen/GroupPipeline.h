// One group as one Halide pipeline: an ImageParam per value the group reads
// and per weight, shapes and dense strides fixed to the model's (so Halide
// checks them and generates code for constant strides), the group's nodes
// lowered, and the output scheduled for the target. A part of an in-place
// concat, written or read, has the strides of the concat's buffer
// (ir/InPlace.h).
#pragma once

#include <string>
#include <vector>

#include <Halide.h>

#include "codegen/Group.h"

namespace atrous::codegen {

struct GroupPipeline {
  Halide::Func output;
  // Arguments in call order: the group's input values, then its weights.
  std::vector<Halide::Argument> arguments;
  std::vector<ValueId> inputValues;
  std::vector<std::string> weightNames;
};

GroupPipeline buildGroupPipeline(const Graph &graph, const Group &group,
                                 const Halide::Target &target);

// A stable description of everything that determines the group's generated
// code (ops, attributes, types, schedule version, target), for cache keys and
// content-addressed function names.
std::string groupSignature(const Graph &graph, const Group &group, const Halide::Target &target);

} // namespace atrous::codegen
