// Memory planning by greedy best-fit in decreasing size, the "greedy by size"
// strategy of TFLite's arena planner and TVM's storage rewrite: lifetimes are
// step intervals, the largest values are placed first, and each goes into the
// smallest gap between values it is live together with (or past the last of
// them). Sizes are multiples of kArenaAlignment, so every offset is aligned.
#include "passes/MemoryPlan.h"

#include <algorithm>
#include <limits>

#include "ir/Error.h"
#include "ir/InPlace.h"
#include "ir/ResidualInPlace.h"

namespace atrous {

uint64_t arenaBytes(const TensorType &type) {
  const uint64_t bytes =
      static_cast<uint64_t>(numElements(type.shape)) * static_cast<uint64_t>(dtypeSize(type.dtype));
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

namespace {

struct Lifetime {
  ValueId value;
  size_t first, last; // steps, inclusive
  uint64_t bytes;
  uint64_t offset = 0;

  bool overlaps(const Lifetime &o) const { return first <= o.last && o.first <= last; }
};

std::string valueName(const Graph &graph, ValueId id) {
  return "'" + graph.node(id).name + "'";
}

// The lifetime of every value a step materializes, outside `external` and
// apart from those written over their residuals, which live in `sharing`'s
// value: the first of their chain, whose lifetime covers the chain's.
struct Lifetimes {
  std::vector<Lifetime> values;
  std::map<ValueId, ValueId> sharing;
};

Lifetimes lifetimes(const Graph &graph, const std::vector<std::vector<ValueId>> &steps,
                    const std::set<ValueId> &external) {
  std::map<ValueId, size_t> producedAt, internalTo, lastUse;
  for (size_t k = 0; k < steps.size(); ++k) {
    if (steps[k].empty()) throw Error("memory plan: step " + std::to_string(k) + " is empty");
    for (size_t j = 0; j + 1 < steps[k].size(); ++j)
      internalTo[steps[k][j]] = k;
    producedAt[steps[k].back()] = k;
    lastUse[steps[k].back()] = k;
  }
  for (size_t k = 0; k < steps.size(); ++k) {
    const std::set<ValueId> members(steps[k].begin(), steps[k].end());
    for (ValueId id : steps[k])
      for (ValueId in : graph.node(id).inputs) {
        if (members.count(in)) continue;
        if (internalTo.count(in))
          throw Error("memory plan: step " + std::to_string(k) + " reads " + valueName(graph, in) +
                      ", internal to step " + std::to_string(internalTo[in]));
        auto produced = producedAt.find(in);
        if (produced == producedAt.end()) {
          if (graph.node(in).op == OpKind::Input || external.count(in)) continue;
          throw Error("memory plan: step " + std::to_string(k) + " reads " + valueName(graph, in) +
                      ", which no step produces");
        }
        if (produced->second >= k)
          throw Error("memory plan: step " + std::to_string(k) + " reads " + valueName(graph, in) +
                      " before step " + std::to_string(produced->second) + " produces it");
        lastUse[in] = std::max(lastUse[in], k);
      }
  }
  // A graph output kept in the arena lives to the end.
  for (ValueId out : graph.outputs)
    if (producedAt.count(out)) lastUse[out] = steps.size() - 1;

  // A part of an in-place concat lives in the concat's buffer, which is
  // live from the first part written.
  std::map<ValueId, size_t> first = producedAt;
  std::set<ValueId> parts;
  for (const auto &[value, step] : producedAt) {
    const ValueId root = placementOf(graph, value).root;
    if (root == value) continue;
    parts.insert(value);
    first.at(root) = std::min(first.at(root), step);
  }
  // A value written over its residual extends the lifetime of the value
  // whose bytes the chain shares.
  Lifetimes result;
  for (const auto &[value, step] : producedAt) {
    if (!isResidualInPlace(graph.node(value))) continue;
    if (std::string problem = residualStepProblem(graph, steps, value); !problem.empty())
      throw Error("memory plan: " + valueName(graph, value) +
                  " cannot write over its residual: " + problem);
    ValueId root = graph.node(value).inputs.back();
    while (isResidualInPlace(graph.node(root)))
      root = graph.node(root).inputs.back();
    result.sharing[value] = root;
  }
  for (const auto &[value, root] : result.sharing)
    lastUse[root] = std::max(lastUse[root], lastUse[value]);
  for (const auto &[value, step] : producedAt)
    if (!external.count(value) && !parts.count(value) && !result.sharing.count(value))
      result.values.push_back({value, first[value], lastUse[value], arenaBytes(graph.type(value))});
  return result;
}

} // namespace

std::string residualStepProblem(const Graph &graph, const std::vector<std::vector<ValueId>> &steps,
                                ValueId id) {
  std::map<ValueId, size_t> stepOf;
  for (size_t k = 0; k < steps.size(); ++k)
    for (ValueId v : steps[k])
      stepOf[v] = k;
  if (!stepOf.count(id) || steps[stepOf[id]].size() != 1) return "it is not a group of its own";
  const ValueId residual = graph.node(id).inputs.back();
  auto produced = stepOf.find(residual);
  if (produced == stepOf.end() || steps[produced->second].back() != residual)
    return "its residual '" + graph.node(residual).name + "' is not the output of a group";
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const auto reader = static_cast<ValueId>(i);
    const std::vector<ValueId> &in = graph.nodes[i].inputs;
    if (reader == id || std::find(in.begin(), in.end(), residual) == in.end()) continue;
    auto at = stepOf.find(reader);
    if (at != stepOf.end() && at->second > stepOf[id])
      return "its residual '" + graph.node(residual).name + "' is read after it, by '" +
             graph.nodes[i].name + "'";
  }
  return "";
}

MemoryPlan planMemory(const Graph &graph, const std::vector<std::vector<ValueId>> &steps,
                      const std::set<ValueId> &external) {
  Lifetimes all = lifetimes(graph, steps, external);
  std::vector<Lifetime> &values = all.values;
  std::sort(values.begin(), values.end(), [](const Lifetime &a, const Lifetime &b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    if (a.first != b.first) return a.first < b.first;
    return a.value < b.value;
  });

  MemoryPlan plan;
  std::vector<const Lifetime *> placed;
  for (Lifetime &v : values) {
    std::vector<const Lifetime *> live;
    for (const Lifetime *p : placed)
      if (p->overlaps(v)) live.push_back(p);
    std::sort(live.begin(), live.end(),
              [](const Lifetime *a, const Lifetime *b) { return a->offset < b->offset; });
    uint64_t end = 0, bestGap = std::numeric_limits<uint64_t>::max();
    bool found = false;
    for (const Lifetime *p : live) {
      if (p->offset > end) {
        const uint64_t gap = p->offset - end;
        if (gap >= v.bytes && gap < bestGap) {
          bestGap = gap;
          v.offset = end;
          found = true;
        }
      }
      end = std::max(end, p->offset + p->bytes);
    }
    if (!found) v.offset = end;
    placed.push_back(&v);
    plan.offset[v.value] = v.offset;
    plan.peakBytes = std::max(plan.peakBytes, v.offset + v.bytes);
    plan.totalBytes += v.bytes;
  }
  for (const auto &[value, root] : all.sharing)
    plan.offset[value] = plan.offset.at(root);
  return plan;
}

MemoryPlan graphMemoryPlan(const Graph &graph, const std::vector<std::vector<ValueId>> &steps,
                           const std::set<ValueId> &external) {
  bool annotated = false;
  for (const Node &node : graph.nodes)
    annotated = annotated || node.attrs.has("arena_offset");
  if (!annotated) return planMemory(graph, steps, external);

  Lifetimes all = lifetimes(graph, steps, external);
  std::vector<Lifetime> &values = all.values;
  MemoryPlan plan;
  std::set<ValueId> planned;
  for (Lifetime &v : values) {
    const Node &node = graph.node(v.value);
    if (!node.attrs.has("arena_offset"))
      throw Error("memory plan: " + valueName(graph, v.value) +
                  " is stored in the arena but has no arena_offset (rerun plan-memory)");
    v.offset = static_cast<uint64_t>(node.attrs.getInt("arena_offset"));
    if (v.offset % kArenaAlignment != 0)
      throw Error("memory plan: arena_offset " + std::to_string(v.offset) + " of " +
                  valueName(graph, v.value) + " is not a multiple of " +
                  std::to_string(kArenaAlignment));
    planned.insert(v.value);
    plan.offset[v.value] = v.offset;
    plan.peakBytes = std::max(plan.peakBytes, v.offset + v.bytes);
    plan.totalBytes += v.bytes;
  }
  for (const auto &[value, root] : all.sharing) {
    const Node &node = graph.node(value);
    if (!node.attrs.has("arena_offset") ||
        static_cast<uint64_t>(node.attrs.getInt("arena_offset")) != plan.offset.at(root))
      throw Error("memory plan: " + valueName(graph, value) + " writes over its residual, so its " +
                  "arena_offset must be " + valueName(graph, root) + "'s, " +
                  std::to_string(plan.offset.at(root)) + " (rerun plan-memory)");
    planned.insert(value);
    plan.offset[value] = plan.offset.at(root);
  }
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (graph.nodes[i].attrs.has("arena_offset") && !planned.count(static_cast<ValueId>(i)))
      throw Error("memory plan: " + valueName(graph, static_cast<ValueId>(i)) +
                  " has an arena_offset but is not stored in the arena (rerun plan-memory)");
  for (size_t a = 0; a < values.size(); ++a)
    for (size_t b = a + 1; b < values.size(); ++b) {
      const Lifetime &x = values[a], &y = values[b];
      if (x.overlaps(y) && x.offset < y.offset + y.bytes && y.offset < x.offset + x.bytes)
        throw Error("memory plan: " + valueName(graph, x.value) + " and " +
                    valueName(graph, y.value) + " are live together and share arena bytes");
    }
  return plan;
}

std::set<ValueId> callerBuffers(const Graph &graph) {
  std::set<ValueId> external(graph.outputs.begin(), graph.outputs.end());
  for (ValueId in : graph.inputs())
    external.insert(in);
  return external;
}

} // namespace atrous
