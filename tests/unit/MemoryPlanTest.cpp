// Memory planning: hand-computed arenas for small chains and groups, and a
// randomized check on random graphs that values live at the same time never
// share bytes, that the arena is at least the largest live set and at most
// the sum of all values, and that externals and group internals get no bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "ir/Error.h"
#include "passes/Grouping.h"
#include "passes/MemoryPlan.h"
#include "passes/Rewriter.h"

#include "IrTestUtil.h"

namespace atrous {
namespace {

using test::add;

std::vector<std::vector<ValueId>> singleSteps(const Graph &g) {
  std::vector<std::vector<ValueId>> steps;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].op != OpKind::Input) steps.push_back({static_cast<ValueId>(i)});
  return steps;
}

std::set<ValueId> inputsAndOutputs(const Graph &g) {
  std::set<ValueId> ext(g.outputs.begin(), g.outputs.end());
  for (ValueId in : g.inputs())
    ext.insert(in);
  return ext;
}

TEST(MemoryPlan, ArenaBytesRoundUpTo64) {
  EXPECT_EQ(arenaBytes({DType::F32, {1, 3}}), 64u);
  EXPECT_EQ(arenaBytes({DType::F32, {1, 16}}), 64u);
  EXPECT_EQ(arenaBytes({DType::F32, {1, 17}}), 128u);
  EXPECT_EQ(arenaBytes({DType::I32, {2, 3, 5, 7}}), 896u); // 840 bytes
}

TEST(MemoryPlan, ChainReusesEveryOtherBuffer) {
  // x -> a -> b -> c -> d(out), each [1, 16] (64 bytes): a and c never live
  // together, so two buffers suffice.
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 16}});
  ValueId a = add(g, "a", OpKind::Relu, {x});
  ValueId b = add(g, "b", OpKind::Relu, {a});
  ValueId c = add(g, "c", OpKind::Relu, {b});
  ValueId d = add(g, "d", OpKind::Relu, {c});
  g.outputs = {d};
  MemoryPlan plan = planMemory(g, singleSteps(g), inputsAndOutputs(g));
  EXPECT_EQ(plan.offset.size(), 3u);
  EXPECT_EQ(plan.totalBytes, 192u);
  EXPECT_EQ(plan.peakBytes, 128u);
  EXPECT_EQ(plan.offset.at(a), plan.offset.at(c));
  EXPECT_NE(plan.offset.at(a), plan.offset.at(b));
  EXPECT_FALSE(plan.offset.count(x));
  EXPECT_FALSE(plan.offset.count(d));
}

TEST(MemoryPlan, LongLivedValueBlocksReuse) {
  // a is read by the last step, so it overlaps everything in between.
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 32}});
  ValueId a = add(g, "a", OpKind::Relu, {x}); // 128 bytes, steps 0..3
  ValueId b = add(g, "b", OpKind::Slice, {a}, {{"axis", int64_t{1}}, {"end", int64_t{16}}});
  ValueId c = add(g, "c", OpKind::Relu, {b}); // 64 bytes, steps 2..3
  ValueId s = add(g, "s", OpKind::Slice, {a}, {{"axis", int64_t{1}}, {"end", int64_t{16}}});
  ValueId d = add(g, "d", OpKind::Add, {c, s});
  g.outputs = {d};
  // steps: a | b | c | s | d ; b lives 1..2, c 2..4, s 3..4, a 0..3
  MemoryPlan plan = planMemory(g, singleSteps(g), inputsAndOutputs(g));
  EXPECT_EQ(plan.totalBytes, 128u + 64u * 3);
  // At step 3 a, c and s are live: 256 bytes; b can share with s.
  EXPECT_EQ(plan.peakBytes, 256u);
  EXPECT_EQ(plan.offset.at(b), plan.offset.at(s));
}

TEST(MemoryPlan, OnlyTheLastNodeOfAStepIsMaterialized) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 8, 4, 4}});
  ValueId conv = add(g, "conv", OpKind::Conv2d, {x}, {{"out", int64_t{8}}, {"kernel", int64_t{1}}});
  ValueId bn = add(g, "bn", OpKind::BatchNorm, {conv});
  ValueId relu = add(g, "relu", OpKind::Relu, {bn});
  ValueId pool = add(g, "pool", OpKind::GlobalAvgPool, {relu});
  g.outputs = {pool};
  MemoryPlan plan = planMemory(g, {{conv, bn, relu}, {pool}}, inputsAndOutputs(g));
  ASSERT_EQ(plan.offset.size(), 1u);
  EXPECT_EQ(plan.offset.at(relu), 0u);
  EXPECT_EQ(plan.peakBytes, 512u);
  EXPECT_EQ(plan.totalBytes, 512u);

  // Without externals the output is planned too, and lives to the end.
  MemoryPlan all = planMemory(g, {{conv}, {bn}, {relu}, {pool}}, {x});
  EXPECT_EQ(all.offset.size(), 4u);
  EXPECT_EQ(all.peakBytes, 1024u); // conv and relu share; the pool fits beside relu

  // A step may not read what another step keeps internal, nor a value a
  // later step produces.
  ValueId side = add(g, "side", OpKind::Sigmoid, {bn});
  g.outputs.push_back(side);
  EXPECT_THROW(planMemory(g, {{conv, bn, relu}, {pool}, {side}}, inputsAndOutputs(g)), Error);
  EXPECT_THROW(planMemory(g, {{conv}, {side}, {bn}, {relu}, {pool}}, inputsAndOutputs(g)), Error);
}

// A random graph of relu, add, slice and concat over [1, C, 4] values of
// varied C; the last node and a few others are outputs.
Graph randomGraph(std::mt19937 &rng) {
  auto pick = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  Graph g;
  int inputs = static_cast<int>(pick(1, 3));
  for (int i = 0; i < inputs; ++i)
    g.addInput("in" + std::to_string(i), {DType::F32, {1, pick(1, 40), 4}});
  int nodes = static_cast<int>(pick(3, 30));
  for (int i = 0; i < nodes; ++i) {
    const std::string name = "n" + std::to_string(i);
    const ValueId count = static_cast<ValueId>(g.nodes.size());
    // Mostly recent values, so chains and groups form.
    ValueId a = static_cast<ValueId>(std::max<int64_t>(0, count - 1 - pick(0, 3)));
    if (pick(0, 3) == 0) a = static_cast<ValueId>(pick(0, count - 1));
    ValueId b = static_cast<ValueId>(pick(0, count - 1));
    const int64_t ca = g.type(a).shape[1], cb = g.type(b).shape[1];
    switch (pick(0, 3)) {
    case 0:
      add(g, name, OpKind::Relu, {a});
      break;
    case 1:
      if (ca == cb || cb == 1)
        add(g, name, OpKind::Add, {a, b});
      else
        add(g, name, OpKind::Sigmoid, {a});
      break;
    case 2:
      add(g, name, OpKind::Slice, {a}, {{"axis", int64_t{1}}, {"end", pick(1, ca)}});
      break;
    default:
      if (ca + cb <= 80)
        add(g, name, OpKind::Concat, {a, b});
      else
        add(g, name, OpKind::Tanh, {a});
    }
  }
  g.outputs.push_back(static_cast<ValueId>(g.nodes.size() - 1));
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].op != OpKind::Input && pick(0, 9) == 0)
      g.outputs.push_back(static_cast<ValueId>(i));
  return g;
}

TEST(MemoryPlan, RandomizedLiveValuesNeverOverlap) {
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    Graph g = randomGraph(rng);
    const bool grouped = seed % 2 == 0;
    std::vector<std::vector<ValueId>> steps = grouped ? groupNodes(g) : singleSteps(g);
    const std::set<ValueId> external = inputsAndOutputs(g);
    MemoryPlan plan = planMemory(g, steps, external);

    // Lifetimes, computed here from the definition.
    std::map<ValueId, std::pair<size_t, size_t>> life;
    for (size_t k = 0; k < steps.size(); ++k)
      life[steps[k].back()] = {k, k};
    for (size_t k = 0; k < steps.size(); ++k)
      for (ValueId id : steps[k])
        for (ValueId in : g.node(id).inputs)
          if (life.count(in) && life[in].first < k) life[in].second = std::max(life[in].second, k);

    uint64_t total = 0;
    for (const auto &[v, span] : life) {
      EXPECT_EQ(plan.offset.count(v), external.count(v) ? 0u : 1u) << g.node(v).name;
      if (!external.count(v)) total += arenaBytes(g.type(v));
    }
    EXPECT_EQ(plan.offset.size(),
              static_cast<size_t>(std::count_if(life.begin(), life.end(), [&](const auto &e) {
                return !external.count(e.first);
              })));
    EXPECT_EQ(plan.totalBytes, total);
    EXPECT_LE(plan.peakBytes, plan.totalBytes);

    uint64_t largestLiveSet = 0;
    for (size_t k = 0; k < steps.size(); ++k) {
      uint64_t live = 0;
      for (const auto &[v, off] : plan.offset)
        if (life[v].first <= k && k <= life[v].second) live += arenaBytes(g.type(v));
      largestLiveSet = std::max(largestLiveSet, live);
    }
    EXPECT_GE(plan.peakBytes, largestLiveSet);

    for (const auto &[v, off] : plan.offset) {
      EXPECT_EQ(off % kArenaAlignment, 0u);
      EXPECT_LE(off + arenaBytes(g.type(v)), plan.peakBytes);
      for (const auto &[w, offW] : plan.offset) {
        if (w <= v) continue;
        const bool together = life[v].first <= life[w].second && life[w].first <= life[v].second;
        const bool shareBytes =
            off < offW + arenaBytes(g.type(w)) && offW < off + arenaBytes(g.type(v));
        EXPECT_FALSE(together && shareBytes)
            << g.node(v).name << " and " << g.node(w).name << " overlap while both live";
      }
    }
  }
}

} // namespace
} // namespace atrous
