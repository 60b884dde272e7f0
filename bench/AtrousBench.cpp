// atrous_bench: times one model compiled by atrous for this machine, the way
// an application runs it (CompiledModel, the -O2 passes, the fused groups),
// and prints a JSON object for bench/bench.py: the FLOPs of the model as
// written (real taps only, passes/FlopCount.h), the compile time and the
// milliseconds of every timed run. It also writes the weights it ran with
// and its output, so the peers can run the same weights and be checked
// against it. Threads: Halide's pool reads HL_NUM_THREADS.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <numeric>

#include "bench/Timing.h"
#include "codegen/CompiledModel.h"
#include "frontend/SafeTensors.h"
#include "frontend/TensorIO.h"
#include "frontend/WeightSource.h"
#include "ir/Error.h"
#include "ir/Layout.h"
#include "passes/FlopCount.h"
#include "passes/Pass.h"
#include "passes/PassManager.h"
#include "runtime/Npy.h"
#include "tools/atrousc/Commands.h"

using namespace atrous;

namespace {

struct Options {
  std::string model;
  std::vector<std::string> inputShapes; // NAME=1x3x65x65
  std::string ioLayout;                 // planar or channels_last
  std::string weights = "random:1";
  std::string saveWeights;
  std::string input; // .npy of the (single) input; default: seeded random
  std::string output;
  std::string cacheDir;
  std::string target = "host";
  bench::TimingOptions timing;
};

int run(const Options &options) {
  Graph graph = cli::ModelOptions{options.model, options.inputShapes, options.ioLayout}.load();
  if (graph.inputs().size() != 1 || graph.outputs.size() != 1)
    throw Error("atrous_bench times models with one input and one output; '" + graph.name +
                "' has " + std::to_string(graph.inputs().size()) + " and " +
                std::to_string(graph.outputs.size()));
  Weights weights = loadWeights(graph, options.weights);
  if (!options.saveWeights.empty()) writeSafeTensors(options.saveWeights, weights);
  std::vector<int64_t> flops = flopCounts(graph);
  int64_t totalFlops = std::accumulate(flops.begin(), flops.end(), int64_t(0));

  const TensorType &inputType = graph.type(graph.inputs()[0]);
  Tensor input = options.input.empty() ? randomTensor(inputType, 0)
                                       : tensorFromNpy(rt::readNpy(options.input), options.input);
  if (input.type() != inputType)
    throw Error(options.input + " holds " + input.type().str() + ", the model expects " +
                inputType.str());
  // Moved to the model's I/O layout once, outside the timed runs, as an app
  // holding such data would have it.
  input = toIoLayout(graph, input);

  rt::Timer compileTimer;
  runPasses(graph, &weights, pipelinePasses("O2"));
  codegen::CompileOptions compileOptions;
  compileOptions.cacheDir = options.cacheDir;
  compileOptions.target = options.target;
  std::unique_ptr<codegen::CompiledModel> compiled =
      codegen::CompiledModel::compile(graph, weights, compileOptions);
  double compileSeconds = compileTimer.seconds();

  // The output buffers are made once, as an app keeps them (and as the
  // oneDNN harness does).
  std::vector<Tensor> outputs;
  for (ValueId out : graph.outputs)
    outputs.emplace_back(ioType(graph, graph.type(out)));
  const std::vector<Tensor> inputs = {input};
  std::vector<double> ms =
      bench::timeRuns(options.timing, [&] { compiled->runInto(inputs, outputs); });
  const TensorType &outputType = graph.type(graph.outputs.at(0));
  if (!options.output.empty())
    rt::writeNpy(options.output, npyFromTensor(fromIoLayout(graph, outputs.at(0), outputType)));

  nlohmann::json result = {{"flops", totalFlops},
                           {"compile_s", compileSeconds},
                           {"times_ms", ms},
                           {"output_shape", outputType.shape}};
  fmt::print("{}\n", result.dump());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"atrous_bench: time a model compiled by atrous; prints JSON"};
  Options options;
  app.add_option("MODEL", options.model, "model file (.atr)")->required();
  app.add_option("--input-shape", options.inputShapes, "NAME=1x3x65x65 (repeatable)");
  app.add_option("--io-layout", options.ioLayout,
                 "the model's I/O layout, planar or channels_last (the input is moved to it "
                 "before the timed runs; --output is written planar)");
  app.add_option("--weights", options.weights, "random:SEED or a .safetensors file");
  app.add_option("--save-weights", options.saveWeights, "write the weights used to this file");
  app.add_option("--input", options.input, ".npy input (default: seeded random)");
  app.add_option("--output", options.output, ".npy file for the output of the last run");
  app.add_option("--cache-dir", options.cacheDir, "compiled groups cache");
  app.add_option("--target", options.target,
                 "Halide target of this machine's code (default host), e.g. "
                 "x86-64-linux-avx2-fma-f16c-sse41 for AVX2 only");
  options.timing.addTo(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }
  try {
    return run(options);
  } catch (const std::exception &e) {
    fmt::print(stderr, "atrous_bench: error: {}\n", e.what());
    return 1;
  }
}
