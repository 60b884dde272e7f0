// `atrousc import`: an ONNX model to the text form (.atr) and its weights
// (.safetensors), which load and compile to the same result as the .onnx
// file itself.
#include <fmt/core.h>

#include <fstream>

#include "frontend/SafeTensors.h"
#include "frontend/onnx/OnnxImport.h"
#include "ir/Error.h"
#include "ir/Printer.h"
#include "tools/atrousc/Commands.h"

namespace atrous::cli {

int importCommand(const ImportOptions &options) {
  if (!isOnnxPath(options.model.model))
    throw Error("import reads ONNX models (.onnx), got '" + options.model.model + "'");
  ImportedModel m = importOnnxFile(options.model.model, options.model.parseOptions());
  std::ofstream out(options.output);
  if (!out) throw Error("cannot write '" + options.output + "'");
  out << "# Imported from " << options.model.model << " by atrousc import";
  if (!options.weightsOut.empty()) out << "; weights in " << options.weightsOut;
  out << ".\n" << printGraph(m.graph);
  out.close();
  if (!out) throw Error("cannot write '" + options.output + "'");
  int64_t params = 0;
  for (const auto &[name, tensor] : m.weights)
    params += tensor.numel();
  fmt::print("imported {}: {} nodes, {} parameters in {} tensors\n", options.model.model,
             m.graph.nodes.size(), params, m.weights.size());
  fmt::print("  {}\n", options.output);
  if (!options.weightsOut.empty()) {
    writeSafeTensors(options.weightsOut, m.weights);
    fmt::print("  {}\n", options.weightsOut);
  } else if (!m.weights.empty()) {
    fmt::print("  (weights not written: pass --weights-out FILE.safetensors)\n");
  }
  return 0;
}

} // namespace atrous::cli
