// Memory planning: where each intermediate value lives in one arena, so that
// values whose lifetimes do not overlap share bytes and the generated code
// allocates the peak, not the sum. The code generator reports the peak at
// compile time.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/Graph.h"

namespace atrous {

struct MemoryPlan {
  std::map<ValueId, uint64_t> offset; // byte offset in the arena of each planned value
  uint64_t peakBytes = 0;             // the arena size
  uint64_t totalBytes = 0;            // what the planned values need without reuse
};

// Every arena allocation is a multiple of this, so offsets are aligned to it.
constexpr uint64_t kArenaAlignment = 64;

// Bytes a value of `type` takes in the arena: its size rounded up to
// kArenaAlignment.
uint64_t arenaBytes(const TensorType &type);

// Why the conv `id`, annotated residual_in_place (ir/ResidualInPlace.h),
// cannot write over its residual when `steps` run in order, or "" when it
// can: it must be a step of its own, its residual the output of an earlier
// step, and no later step may read the residual.
std::string residualStepProblem(const Graph &graph, const std::vector<std::vector<ValueId>> &steps,
                                ValueId id);

// Plans the arena for running `steps` in order. Each step is a group of node
// ids computed together, of which only the last is materialized; values in
// `external` (graph inputs and outputs, which live in caller buffers) get no
// offset. A materialized value is live from its step to the last step that
// reads it (a step's inputs and output are live at once, so no step overwrites
// what it reads, but for a conv written over its residual, ir/ResidualInPlace.h:
// it gets its residual's offset, which then lives as long as the conv's
// value). The parts of an in-place concat (ir/InPlace.h) get no offset: they
// live in the concat's buffer, live from the step that writes the first of
// them. Offsets come from greedy best-fit by decreasing size.
// Throws atrous::Error when a step reads a value internal to another step, or
// a value that no earlier step produced and that is not an input or external,
// or when a conv annotated residual_in_place cannot write over its residual.
MemoryPlan planMemory(const Graph &graph, const std::vector<std::vector<ValueId>> &steps,
                      const std::set<ValueId> &external);

// The plan the `plan-memory` pass wrote into the graph (each planned
// value's `arena_offset=` attribute) when it ran, planMemory otherwise. A
// written plan is checked: every value the steps materialize has an aligned
// offset, no other value has one, no two values live at the same time
// share a byte, and a conv written over its residual has the offset of its
// chain's first value. Throws atrous::Error naming the values when it is wrong.
MemoryPlan graphMemoryPlan(const Graph &graph, const std::vector<std::vector<ValueId>> &steps,
                           const std::set<ValueId> &external);

// Graph inputs and outputs: the values that live in the caller's buffers.
std::set<ValueId> callerBuffers(const Graph &graph);

} // namespace atrous
