// The grouping analysis: hand cases for the chain rules (a value with two
// readers or a graph output ends its group, a binary op whose other operand
// comes later does not join), and a property check on the four models in
// models/: every node in exactly one group, graph order within groups, the
// chain rule for every non-anchor member, and the group order a schedule.
#include <gtest/gtest.h>

#include <filesystem>

#include "frontend/Parser.h"
#include "passes/Grouping.h"
#include "passes/Rewriter.h"

namespace atrous {
namespace {

std::vector<std::vector<std::string>> groupNames(const Graph &g) {
  std::vector<std::vector<std::string>> names;
  for (const std::vector<ValueId> &group : groupNodes(g)) {
    names.emplace_back();
    for (ValueId id : group)
      names.back().push_back(g.node(id).name);
  }
  return names;
}

using Names = std::vector<std::vector<std::string>>;

TEST(Grouping, ConvBatchNormReluIsOneGroup) {
  Graph g = parseModel("input x : f32[1, 3, 8, 8]\n"
                       "c = conv2d(x, out=4, kernel=3, pad=1, bias=false)\n"
                       "b = batchnorm(c)\n"
                       "r = relu(b)\n"
                       "output p = max_pool2d(r, kernel=2)\n");
  EXPECT_EQ(groupNames(g), (Names{{"c", "b", "r"}, {"p"}}));
  EXPECT_EQ(describeGroups(g, groupNodes(g)), "group 0: c, b, r\ngroup 1: p\n");
}

TEST(Grouping, ValueWithTwoReadersOrOutputEndsItsGroup) {
  Graph g = parseModel("input x : f32[1, 3, 8, 8]\n"
                       "c = conv2d(x, out=4, kernel=1)\n"
                       "r = relu(c)\n"
                       "s = sigmoid(c)\n"
                       "output m = mul(r, s)\n"
                       "output t = tanh(m)\n");
  // c has two readers; m is an output, so t starts its own group. m joins s
  // (r, its other operand, predates s's group).
  EXPECT_EQ(groupNames(g), (Names{{"c"}, {"r"}, {"s", "m"}, {"t"}}));
}

TEST(Grouping, BinaryOpWhoseOtherOperandComesLaterDoesNotJoin) {
  Graph g = parseModel("input x : f32[1, 4, 8, 8]\n"
                       "a = conv2d(x, out=4, kernel=1)\n"
                       "b = conv2d(x, out=4, kernel=3, pad=1)\n"
                       "output s = add(a, b)\n");
  // s reads the tail of a's group, but b is defined after a; it joins b's
  // group instead, where a predates the group.
  EXPECT_EQ(groupNames(g), (Names{{"a"}, {"b", "s"}}));

  Graph h = parseModel("input x : f32[1, 4, 8, 8]\n"
                       "a = conv2d(x, out=4, kernel=1)\n"
                       "b = conv2d(a, out=4, kernel=1)\n"
                       "output s = add(b, relu(b))\n");
  // b has two readers: neither the relu nor the add may join its group; the
  // add joins the relu's group, as b predates it.
  EXPECT_EQ(groupNames(h), (Names{{"a"}, {"b"}, {"s.relu", "s"}}));
}

TEST(Grouping, NonElementwiseNeverJoins) {
  Graph g = parseModel("input x : f32[1, 4, 8, 8]\n"
                       "r = relu(x)\n"
                       "p = max_pool2d(r, kernel=2)\n"
                       "output q = softmax(p)\n");
  EXPECT_EQ(groupNames(g), (Names{{"r"}, {"p"}, {"q"}}));
}

// Every rule of Grouping.h, checked against a graph.
void checkGroupingProperties(const Graph &g) {
  const std::vector<std::vector<ValueId>> groups = groupNodes(g);
  const std::vector<int> uses = useCounts(g);
  std::vector<int> groupOf(g.nodes.size(), -1);
  for (size_t k = 0; k < groups.size(); ++k) {
    ASSERT_FALSE(groups[k].empty());
    if (k > 0) {
      EXPECT_LT(groups[k - 1].front(), groups[k].front()) << "groups out of order";
    }
    for (size_t j = 0; j < groups[k].size(); ++j) {
      const ValueId id = groups[k][j];
      ASSERT_NE(g.node(id).op, OpKind::Input);
      EXPECT_EQ(groupOf[static_cast<size_t>(id)], -1) << g.node(id).name << " in two groups";
      groupOf[static_cast<size_t>(id)] = static_cast<int>(k);
      if (j > 0) {
        EXPECT_LT(groups[k][j - 1], id) << "group " << k << " not in graph order";
      }
    }
  }
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].op != OpKind::Input) {
      EXPECT_GE(groupOf[i], 0) << g.nodes[i].name << " ungrouped";
    }

  for (size_t k = 0; k < groups.size(); ++k) {
    const std::vector<ValueId> &group = groups[k];
    for (size_t j = 1; j < group.size(); ++j) {
      const Node &n = g.node(group[j]);
      const ValueId prev = group[j - 1];
      SCOPED_TRACE(n.name);
      EXPECT_TRUE(isElementwise(n.op));
      EXPECT_EQ(uses[static_cast<size_t>(prev)], 1);
      EXPECT_TRUE(std::find(g.outputs.begin(), g.outputs.end(), prev) == g.outputs.end());
      bool readsPrev = false;
      for (ValueId in : n.inputs) {
        if (in == prev)
          readsPrev = true;
        else
          EXPECT_LT(in, group.front()) << "other operand defined inside or after the group";
      }
      EXPECT_TRUE(readsPrev);
    }
    // A schedule: whatever a group reads from outside is a graph input or
    // the output of an earlier group.
    for (ValueId id : group)
      for (ValueId in : g.node(id).inputs) {
        const int from = groupOf[static_cast<size_t>(in)];
        if (from == static_cast<int>(k) || from < 0) continue;
        EXPECT_LT(from, static_cast<int>(k));
        EXPECT_EQ(groups[static_cast<size_t>(from)].back(), in) << "reads inside another group";
      }
  }
}

TEST(Grouping, PropertiesHoldOnEveryModel) {
  for (const char *file : {"deeplabv3plus.atr", "fcn_atrous.atr", "linknet.atr", "wavenet.atr"}) {
    SCOPED_TRACE(file);
    Graph g = parseModelFile((std::filesystem::path(ATROUS_SOURCE_DIR) / "models" / file).string());
    checkGroupingProperties(g);
    size_t nodes = 0;
    for (const Node &n : g.nodes)
      nodes += n.op != OpKind::Input;
    EXPECT_LT(groupNodes(g).size(), nodes) << "no group formed at all";
  }
}

} // namespace
} // namespace atrous
