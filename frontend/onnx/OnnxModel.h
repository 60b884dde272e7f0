// Reading an ONNX file into the ONNX library's ModelProto and checking it
// before anything converts it: the protobuf must parse, ONNX's own checker
// must accept the graph, the default-domain opset must be one atrous imports,
// and every tensor's data (inline or in an external-data file next to the
// model) must be exactly as long as its shape says. Each failure is an
// atrous::Error that names the file and, where it applies, the tensor.
#pragma once

#include <string>

#include "frontend/onnx/HostTensor.h"
#include "onnx/onnx_pb.h"

namespace atrous::onnx_import {

// The opsets of the default (ai.onnx) domain atrous imports. 11 to 17 is what
// current exporters write; 7 to 10 are accepted for the older operator forms
// (Upsample, Clip and Pad with attributes, Slice with attributes).
constexpr int kMinOpset = 7;
constexpr int kMaxOpset = 17;

struct OnnxFile {
  onnx::ModelProto model;
  std::string file; // as the user named it, for messages
  std::string dir;  // where external data files are looked up
  int opset = 0;    // of the default domain
};

// Reads, parses and checks `path`.
OnnxFile readOnnxFile(const std::string &path);
// Parses and checks a serialized model; `file` names it in messages and
// `dir` is where its external data lives.
OnnxFile parseOnnx(const std::string &bytes, const std::string &file, const std::string &dir);

// The values of a tensor (an initializer, a Constant's value, ...), its data
// read from the external file when it is stored outside the model. `what`
// names it in errors.
HostTensor decodeTensor(const onnx::TensorProto &tensor, const OnnxFile &file,
                        const std::string &what);

} // namespace atrous::onnx_import
