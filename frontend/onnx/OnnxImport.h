// Importing ONNX models (docs/onnx.md): an .onnx file becomes a verified,
// shape-inferred ir::Graph and the weights its initializers hold, the same
// pair a .atr file and a .safetensors file give. Node names are kept
// (sanitised to the IR's identifier rules) so that errors and `atrousc
// check` point at the ONNX nodes. Anything atrous cannot represent exactly is
// an atrous::Error naming the file, node, operator and opset; nothing is
// approximated silently.
#pragma once

#include <string>
#include <vector>

#include "frontend/Parser.h"
#include "ir/Graph.h"
#include "ir/Weights.h"

namespace atrous {

struct ImportedModel {
  Graph graph;
  Weights weights;
};

// Reads `path` (and external data files next to it). options.inputShapes
// fixes the shape of named inputs (`--input-shape`); every dynamic input
// dimension must be fixed that way.
ImportedModel importOnnxFile(const std::string &path, const ParseOptions &options = {});

// Imports a serialized model; `file` names it in messages and is the model
// name's source, `dir` is where external data files are looked up.
ImportedModel importOnnx(const std::string &bytes, const std::string &file, const std::string &dir,
                         const ParseOptions &options = {});

// The ONNX operators the importer converts (to IR, or by folding them into
// constants when their inputs are constants), sorted; docs/onnx.md lists
// them with their limits.
std::vector<std::string> supportedOnnxOps();
// The subset that can take run-time tensors (the others fold only).
std::vector<std::string> runtimeOnnxOps();

// Whether a path names an ONNX model (by its extension, .onnx).
bool isOnnxPath(const std::string &path);

} // namespace atrous
