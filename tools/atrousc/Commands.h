// The atrousc subcommands. Each one takes its parsed options and returns the
// process exit code; errors propagate as atrous::Error to main(), which prints
// them and exits 1.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "frontend/Parser.h"
#include "ir/Weights.h"

namespace atrous::cli {

// A model as a command loads it: .atr text, or an ONNX file, which brings
// its own weights (its initializers).
struct LoadedModel {
  Graph graph;
  std::optional<Weights> weights;
};

struct ModelOptions {
  std::string model;                    // .atr or .onnx, by extension
  std::vector<std::string> inputShapes; // NAME=1x3x65x65
  // planar or channels_last: replaces the model's I/O layout (ir/Layout.h,
  // setIoLayout); empty keeps the model's own.
  std::string ioLayout;

  ParseOptions parseOptions() const;
  LoadedModel loadModel() const;
  Graph load() const { return loadModel().graph; }
};

// The weights a command uses: --weights when given (a .safetensors file or
// random:SEED), else the model's own, else random:0.
Weights resolveWeights(const LoadedModel &model, const std::string &weightsOption);

struct OptOptions {
  ModelOptions model;
  std::string passes; // a,b,c; empty: the -O level's pipeline
  std::string level = "2";
  bool printAfterAll = false;
  std::vector<std::string> printAfter;
  bool listPasses = false;
  bool printGroups = false;     // the `group` analysis codegen uses
  bool printMemoryPlan = false; // the `plan-memory` analysis codegen uses
};

struct RunOptions {
  ModelOptions model;
  std::string weights;              // empty: the model's own, else random:0
  std::string saveWeights;          // .safetensors path for the weights used (random:SEED too)
  std::vector<std::string> inputs;  // .npy paths, one per model input
  std::vector<std::string> outputs; // .npy paths, one per model output
  uint64_t inputSeed = 0;
  std::string backend = "halide"; // or "reference"
  std::string target = "host";    // of the halide backend: one this machine runs
  std::string level = "2";        // passes run before the halide backend
  std::string passes;             // a,b,c instead of the -O level's pipeline
  std::string cacheDir;
  int repeat = 1; // runs to time; the first result is the one written
};

struct CompileCommandOptions {
  ModelOptions model;
  std::string weights; // empty: the model's own, else random:0
  std::string target = "host";
  std::string output; // DIR/NAME
  bool externalWeights = false;
  std::string level = "2";
  std::string passes; // a,b,c instead of the -O level's pipeline
  std::string cacheDir;
};

struct ImportOptions {
  ModelOptions model;
  std::string output;     // the .atr to write
  std::string weightsOut; // the .safetensors to write; empty: none
};

struct RuntimeOptions {
  std::string target = "host";
  std::string output;
};

int checkCommand(const ModelOptions &options);
int optCommand(const OptOptions &options);
// Runs `passes` (a,b,c) or, when empty, the -O level's pipeline ("0" or
// "2") on a graph and its weights. Returns whether code generation fuses
// groups: everything but a bare -O0 does.
bool optimize(Graph &graph, Weights &weights, const std::string &level,
              const std::string &passes = "");
int printCommand(const ModelOptions &options);
int runCommand(const RunOptions &options);
int compileCommand(const CompileCommandOptions &options);
int runtimeCommand(const RuntimeOptions &options);
int importCommand(const ImportOptions &options);

} // namespace atrous::cli
