// `atrousc run`: evaluate a model on .npy inputs (or seeded random ones) with
// generated code compiled for this machine (or the reference interpreter) and
// write the outputs as .npy.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include "codegen/CompiledModel.h"
#include "frontend/SafeTensors.h"
#include "frontend/TensorIO.h"
#include "frontend/WeightSource.h"
#include "ir/Error.h"
#include "ir/Layout.h"
#include "reference/Interpreter.h"
#include "runtime/Npy.h"
#include "runtime/Timer.h"
#include "tools/atrousc/Commands.h"

namespace atrous::cli {

static std::string summary(const Tensor &t) {
  if (t.dtype() == DType::I32) {
    const int32_t *p = t.i32();
    auto [lo, hi] = std::minmax_element(p, p + t.numel());
    return fmt::format("min {} max {}", *lo, *hi);
  }
  const float *p = t.f32();
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  for (int64_t i = 0; i < t.numel(); ++i) {
    sum += p[i];
    lo = std::min<double>(lo, p[i]);
    hi = std::max<double>(hi, p[i]);
  }
  return fmt::format("min {:.6g} max {:.6g} mean {:.6g}", lo, hi, sum / double(t.numel()));
}

int runCommand(const RunOptions &options) {
  if (options.backend == "reference" && options.target != "host")
    throw Error("--target " + options.target +
                " names generated code, which the reference backend does not run");
  LoadedModel model = options.model.loadModel();
  Weights weights = resolveWeights(model, options.weights);
  Graph graph = std::move(model.graph);
  std::vector<ValueId> inputIds = graph.inputs();
  if (options.inputs.size() > inputIds.size())
    throw Error(fmt::format("{} --input files given, but model '{}' has {} inputs",
                            options.inputs.size(), graph.name, inputIds.size()));
  if (options.outputs.size() > graph.outputs.size())
    throw Error(fmt::format("{} --output files given, but model '{}' has {} outputs",
                            options.outputs.size(), graph.name, graph.outputs.size()));
  // So that other frameworks (the PyTorch definitions, the benchmark peers)
  // can run on exactly the weights that random:SEED generates.
  if (!options.saveWeights.empty()) writeSafeTensors(options.saveWeights, weights);

  std::vector<Tensor> inputs;
  for (size_t i = 0; i < inputIds.size(); ++i) {
    const TensorType &want = graph.type(inputIds[i]);
    if (i < options.inputs.size()) {
      inputs.push_back(tensorFromNpy(rt::readNpy(options.inputs[i]), options.inputs[i]));
      if (inputs.back().type() != want)
        throw Error("input '" + graph.node(inputIds[i]).name + "' expects " + want.str() +
                    ", got " + inputs.back().type().str() + " from " + options.inputs[i]);
    } else {
      inputs.push_back(randomTensor(want, options.inputSeed + i));
    }
  }
  std::vector<Tensor> outputs;
  std::function<void()> runOnce;
  std::unique_ptr<codegen::CompiledModel> compiled;
  if (options.backend == "reference") {
    runOnce = [&] { outputs = runReference(graph, weights, inputs); };
  } else {
    codegen::CompileOptions compileOptions;
    compileOptions.cacheDir = options.cacheDir;
    compileOptions.target = options.target;
    rt::Timer compileTimer;
    Graph optimized = graph;
    Weights optimizedWeights = weights;
    compileOptions.fuseGroups =
        optimize(optimized, optimizedWeights, options.level, options.passes);
    compiled = codegen::CompiledModel::compile(optimized, optimizedWeights, compileOptions);
    if (options.repeat > 1) fmt::print("compiled in {:.2f} s\n", compileTimer.seconds());
    // Timed as an app runs it: the inputs moved to the model's I/O layout
    // and the outputs allocated once, outside the timed calls (a
    // channels_last model's moves of a 4 MB tensor took 45 ms, its
    // generated code 0.2 ms).
    for (Tensor &input : inputs)
      input = toIoLayout(graph, input);
    for (ValueId out : graph.outputs)
      outputs.emplace_back(ioType(graph, graph.type(out)));
    runOnce = [&] { compiled->runInto(inputs, outputs); };
  }
  std::vector<double> latencies;
  for (int i = 0; i < options.repeat; ++i) {
    rt::Timer timer;
    runOnce();
    latencies.push_back(timer.milliseconds());
  }
  if (compiled)
    for (size_t j = 0; j < outputs.size(); ++j)
      outputs[j] = fromIoLayout(graph, outputs[j], graph.type(graph.outputs[j]));
  if (options.repeat > 1) {
    rt::LatencyStats stats;
    for (double ms : latencies)
      stats.add(ms);
    fmt::print("latency over {} runs: median {:.3f} ms, min {:.3f} ms, max {:.3f} ms\n",
               options.repeat, stats.median(), stats.min(), stats.max());
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string &name = graph.node(graph.outputs[i]).name;
    fmt::print("{}: {} {}\n", name, outputs[i].type().str(), summary(outputs[i]));
    if (i < options.outputs.size()) {
      rt::writeNpy(options.outputs[i], npyFromTensor(outputs[i]));
      fmt::print("  written to {}\n", options.outputs[i]);
    }
  }
  return 0;
}

} // namespace atrous::cli
