// atrousc: the command line over the compiler. Subcommands are declared here
// with CLI11; their work lives in one file each.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "ir/Error.h"
#include "tools/atrousc/Commands.h"

using namespace atrous;

static void addWeightsOption(CLI::App *cmd, std::string &weights) {
  cmd->add_option("--weights", weights,
                  "weights: a .safetensors file or random:SEED (default: the model's own "
                  "weights, an ONNX model's initializers, else random:0)");
}

static void addLevelOption(CLI::App *cmd, std::string &level, const char *what) {
  cmd->add_option("-O", level, what)->check(CLI::IsMember({"0", "2"}));
}

static void addPassesOption(CLI::App *cmd, std::string &passes) {
  cmd->add_option("--passes", passes, "passes to run, in order, instead of the -O pipeline: a,b,c");
}

static void addCacheDirOption(CLI::App *cmd, std::string &dir) {
  cmd->add_option("--cache-dir", dir,
                  "where compiled groups are kept (default $ATROUS_CACHE_DIR or ~/.cache/atrous)");
}

static void addIoLayoutOption(CLI::App *cmd, std::string &layout) {
  cmd->add_option("--io-layout", layout,
                  "how the model's inputs and outputs of rank 3 and 4 lie in memory: planar "
                  "(NCHW) or channels_last (NHWC); default: the model line's io_layout, else "
                  "planar");
}

static void addModelOptions(CLI::App *cmd, cli::ModelOptions &opts) {
  cmd->add_option("MODEL", opts.model, "model file (.atr or .onnx)")->required();
  cmd->add_option("--input-shape", opts.inputShapes,
                  "replace an input's shape, e.g. --input-shape x=1x3x65x65 (repeatable)");
  addIoLayoutOption(cmd, opts.ioLayout);
}

int main(int argc, char **argv) {
  CLI::App app{"atrousc: an ahead-of-time compiler for dilated-convolution networks"};
  app.require_subcommand(1);

  cli::ModelOptions checkOpts, printOpts;
  CLI::App *check = app.add_subcommand(
      "check", "parse and verify a model, then print each layer's shape, parameters, FLOPs and "
               "receptive field");
  addModelOptions(check, checkOpts);

  CLI::App *print = app.add_subcommand("print", "print the verified IR of a model");
  addModelOptions(print, printOpts);

  cli::OptOptions optOpts;
  CLI::App *opt = app.add_subcommand(
      "opt", "run graph passes on a model and print the IR (without --passes: the -O pipeline)");
  opt->add_option("MODEL", optOpts.model.model, "model file (.atr or .onnx)");
  opt->add_option("--input-shape", optOpts.model.inputShapes,
                  "replace an input's shape, e.g. --input-shape x=1x3x65x65 (repeatable)");
  addIoLayoutOption(opt, optOpts.model.ioLayout);
  addPassesOption(opt, optOpts.passes);
  addLevelOption(opt, optOpts.level, "the pipeline when --passes is not given: -O0 or -O2");
  opt->add_flag("--print-after-all", optOpts.printAfterAll, "print the IR after every pass");
  opt->add_option("--print-after", optOpts.printAfter, "print the IR after the named pass");
  opt->add_flag("--list-passes", optOpts.listPasses, "list the passes and the -O2 pipeline");
  opt->add_flag("--print-groups", optOpts.printGroups,
                "after the passes, print the fused groups (one Halide pipeline each)");
  opt->add_flag("--print-memory-plan", optOpts.printMemoryPlan,
                "after the passes, print each intermediate's arena offset and the peak");

  cli::RunOptions runOpts;
  CLI::App *run = app.add_subcommand(
      "run", "run a model: generated code compiled for this machine, or the reference interpreter");
  addModelOptions(run, runOpts.model);
  addWeightsOption(run, runOpts.weights);
  run->add_option("--save-weights", runOpts.saveWeights,
                  "write the weights the model runs with (e.g. random:SEED) to a .safetensors "
                  "file");
  run->add_option("--input", runOpts.inputs,
                  ".npy input, one per model input in declaration order; missing inputs are "
                  "random (see --input-seed)");
  run->add_option("--output", runOpts.outputs, ".npy file to write, one per model output");
  run->add_option("--input-seed", runOpts.inputSeed, "seed of the random inputs (default 0)");
  run->add_option("--backend", runOpts.backend,
                  "halide (generated code, the default) or reference (the interpreter)")
      ->check(CLI::IsMember({"halide", "reference"}));
  run->add_option("--target", runOpts.target,
                  "the halide backend's target: host (default) or a Halide target string this "
                  "machine runs, e.g. x86-64-linux-avx2-fma-f16c-sse41 to run the AVX2 code");
  addLevelOption(run, runOpts.level, "passes before the halide backend: -O0 or -O2 (default)");
  addPassesOption(run, runOpts.passes);
  run->add_option("--repeat", runOpts.repeat,
                  "run N times and print the latency of each run and their median (default 1)")
      ->check(CLI::Range(1, 100000));
  addCacheDirOption(run, runOpts.cacheDir);

  cli::CompileCommandOptions compileOpts;
  CLI::App *compile = app.add_subcommand(
      "compile", "compile a model to a static library NAME.a and a C header NAME.h");
  addModelOptions(compile, compileOpts.model);
  addWeightsOption(compile, compileOpts.weights);
  compile->add_option("--target", compileOpts.target,
                      "host, host-cuda, or a Halide target string (default host)");
  compile->add_option("-o,--output", compileOpts.output, "DIR/NAME of the library and header")
      ->required();
  compile->add_flag("--external-weights", compileOpts.externalWeights,
                    "write the weights to DIR/NAME.weights, loaded at run time, instead of "
                    "linking them into the library");
  addCacheDirOption(compile, compileOpts.cacheDir);
  addLevelOption(compile, compileOpts.level, "graph passes to run: -O0 or -O2 (default)");
  addPassesOption(compile, compileOpts.passes);

  cli::ImportOptions importOpts;
  CLI::App *importCmd = app.add_subcommand(
      "import", "convert an ONNX model to the text form (.atr) and its weights (.safetensors)");
  addModelOptions(importCmd, importOpts.model);
  importCmd->add_option("-o,--output", importOpts.output, "the .atr file to write")->required();
  importCmd->add_option("--weights-out", importOpts.weightsOut,
                        "the .safetensors file to write the weights to");

  cli::RuntimeOptions runtimeOpts;
  CLI::App *runtime = app.add_subcommand(
      "runtime", "write the Halide runtime that apps link once beside any number of models");
  runtime->add_option("--target", runtimeOpts.target, "the models' target (default host)");
  runtime->add_option("-o,--output", runtimeOpts.output, "DIR/atrous_runtime.a")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }

  try {
    if (*check) return cli::checkCommand(checkOpts);
    if (*print) return cli::printCommand(printOpts);
    if (*opt) return cli::optCommand(optOpts);
    if (*run) return cli::runCommand(runOpts);
    if (*compile) return cli::compileCommand(compileOpts);
    if (*runtime) return cli::runtimeCommand(runtimeOpts);
    if (*importCmd) return cli::importCommand(importOpts);
  } catch (const SourceError &e) {
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  } catch (const std::exception &e) {
    fmt::print(stderr, "atrousc: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
