// `atrousc check`: parse and verify a model, then print one row per layer
// (name, op, output type, parameters, FLOPs, receptive field) and the totals,
// the first thing a user wants to see of a network before compiling it.
#include <fmt/core.h>

#include <algorithm>

#include "ir/Weights.h"
#include "passes/FlopCount.h"
#include "passes/ReceptiveField.h"
#include "tools/atrousc/Commands.h"

namespace atrous::cli {

// 3 significant digits with an SI suffix: 1.23G, 456M, 12.0k, 7.
static std::string humanCount(double v) {
  const char *suffix[] = {"", "k", "M", "G", "T", "P"};
  int i = 0;
  while (v >= 999.5 && i < 5) {
    v /= 1000;
    ++i;
  }
  if (i == 0) return fmt::format("{:.0f}", v);
  return fmt::format("{:.{}f}{}", v, v < 9.995 ? 2 : v < 99.95 ? 1 : 0, suffix[i]);
}

static std::string joinDims(const std::vector<double> &v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? "x" : "") + fmt::format("{:g}", v[i]);
  return s;
}

static std::string rfStr(const ReceptiveField &rf) {
  if (rf.global) return "global";
  if (rf.size.empty()) return "-";
  return joinDims(rf.size) + " /" + joinDims(rf.stride);
}

int checkCommand(const ModelOptions &options) {
  Graph graph = options.load();
  std::vector<int64_t> flops = flopCounts(graph);
  std::vector<ReceptiveField> fields = receptiveFields(graph);

  struct Row {
    std::string name, op, type, params, flops, rf;
  };
  std::vector<Row> rows;
  int64_t totalParams = 0, totalFlops = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node &n = graph.nodes[i];
    int64_t params = 0;
    for (const ParamSpec &p : paramSpecs(graph, n))
      params += numElements(p.type.shape);
    totalParams += params;
    totalFlops += flops[i];
    rows.push_back({n.name, n.op == OpKind::Input ? "input" : opName(n.op), n.type.str(),
                    params ? humanCount(static_cast<double>(params)) : "",
                    flops[i] ? humanCount(static_cast<double>(flops[i])) : "", rfStr(fields[i])});
  }
  Row header{"name", "op", "output", "params", "FLOPs", "receptive field /stride"};
  size_t w[6] = {};
  auto widen = [&](const Row &r) {
    const std::string *cols[] = {&r.name, &r.op, &r.type, &r.params, &r.flops, &r.rf};
    for (int c = 0; c < 6; ++c)
      w[c] = std::max(w[c], cols[c]->size());
  };
  widen(header);
  for (const Row &r : rows)
    widen(r);
  auto printRow = [&](const Row &r) {
    fmt::print("{:<{}}  {:<{}}  {:<{}}  {:>{}}  {:>{}}  {}\n", r.name, w[0], r.op, w[1], r.type,
               w[2], r.params, w[3], r.flops, w[4], r.rf);
  };
  fmt::print("model {}: {} nodes\n", graph.name, graph.nodes.size());
  printRow(header);
  for (const Row &r : rows)
    printRow(r);
  fmt::print("total: {} parameters ({}), {} FLOPs ({}) per inference\n", totalParams,
             humanCount(static_cast<double>(totalParams)), totalFlops,
             humanCount(static_cast<double>(totalFlops)));
  for (ValueId out : graph.outputs)
    fmt::print("output {}: {}, receptive field {}\n", graph.node(out).name, graph.type(out).str(),
               rfStr(fields[static_cast<size_t>(out)]));
  return 0;
}

} // namespace atrous::cli
