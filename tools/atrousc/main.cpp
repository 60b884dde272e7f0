// atrousc: the command line over the compiler. Subcommands are declared here
// with CLI11; their work lives in one file each.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "ir/Error.h"
#include "tools/atrousc/Commands.h"

using namespace atrous;

static void addModelOptions(CLI::App *cmd, cli::ModelOptions &opts) {
  cmd->add_option("MODEL", opts.model, "model file (.atr)")->required();
  cmd->add_option("--input-shape", opts.inputShapes,
                  "replace an input's shape, e.g. --input-shape x=1x3x65x65 (repeatable)");
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

  cli::RunOptions runOpts;
  CLI::App *run = app.add_subcommand("run", "run a model with the reference interpreter");
  addModelOptions(run, runOpts.model);
  run->add_option("--weights", runOpts.weights,
                  "weights: a .safetensors file or random:SEED (default random:0)");
  run->add_option("--input", runOpts.inputs,
                  ".npy input, one per model input in declaration order; missing inputs are "
                  "random (see --input-seed)");
  run->add_option("--output", runOpts.outputs, ".npy file to write, one per model output");
  run->add_option("--input-seed", runOpts.inputSeed, "seed of the random inputs (default 0)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }

  try {
    if (*check) return cli::checkCommand(checkOpts);
    if (*print) return cli::printCommand(printOpts);
    if (*run) return cli::runCommand(runOpts);
  } catch (const SourceError &e) {
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  } catch (const std::exception &e) {
    fmt::print(stderr, "atrousc: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
