// Loading a model as the command line names it: the file (.atr text or an
// ONNX model, by extension), with the --input-shape overrides parsed from
// their NAME=1x3x65x65 spelling and the --io-layout that replaces the
// model's own, and the weights a command runs it with.
#include <cctype>

#include "frontend/WeightSource.h"
#include "frontend/onnx/OnnxImport.h"
#include "ir/Error.h"
#include "ir/Layout.h"
#include "tools/atrousc/Commands.h"

namespace atrous::cli {

static Shape parseShape(const std::string &text, const std::string &spec) {
  Shape shape;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('x', pos);
    if (end == std::string::npos) end = text.size();
    std::string dim = text.substr(pos, end - pos);
    bool digits = !dim.empty() && dim.size() <= 12;
    for (char c : dim)
      digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits || std::stoll(dim) < 1)
      throw Error("--input-shape " + spec + ": '" + dim + "' is not a positive dimension");
    shape.push_back(std::stoll(dim));
    pos = end + 1;
  }
  return shape;
}

ParseOptions ModelOptions::parseOptions() const {
  ParseOptions opts;
  for (const std::string &spec : inputShapes) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error("--input-shape expects NAME=DIMS such as x=1x3x65x65, got '" + spec + "'");
    opts.inputShapes[spec.substr(0, eq)] = parseShape(spec.substr(eq + 1), spec);
  }
  return opts;
}

LoadedModel ModelOptions::loadModel() const {
  // Checked before the model is read, so that a mistyped layout is named
  // even when the model has errors too.
  const std::optional<Layout> layout =
      ioLayout.empty() ? std::nullopt : std::optional(parseLayout(ioLayout, "--io-layout"));
  LoadedModel loaded;
  if (isOnnxPath(model)) {
    ImportedModel imported = importOnnxFile(model, parseOptions());
    loaded = {std::move(imported.graph), std::move(imported.weights)};
  } else {
    loaded = {parseModelFile(model, parseOptions()), std::nullopt};
  }
  if (layout) setIoLayout(loaded.graph, *layout);
  return loaded;
}

Weights resolveWeights(const LoadedModel &model, const std::string &weightsOption) {
  if (!weightsOption.empty()) return loadWeights(model.graph, weightsOption);
  if (model.weights) return *model.weights;
  return loadWeights(model.graph, "random:0");
}

} // namespace atrous::cli
