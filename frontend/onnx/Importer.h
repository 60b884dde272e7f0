// The state of one import and what every operator converter uses: the
// table from ONNX value names to what they are (a constant, a run-time IR
// value, or a view of one), the node being converted, its attributes, and
// the emission of IR nodes and weights under the ONNX node's name. Errors
// raised through fail() name the file, the node, its operator and the
// opset, so a user can find the place in Netron or the exporter's graph.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "frontend/Parser.h"
#include "frontend/onnx/HostTensor.h"
#include "frontend/onnx/OnnxImport.h"
#include "frontend/onnx/OnnxModel.h"
#include "ir/Error.h"
#include "ir/Graph.h"
#include "ir/Weights.h"

namespace atrous::onnx_import {

// A run-time tensor seen through data movement the IR has no op for
// (Transpose, SpaceToDepth, DepthToSpace, reshapes to rank 6): element k of
// the viewed tensor is element map.i[k] (row-major) of `source`, or zero when
// the index is -1. A view becomes IR again when a consumer needs it
// (ViewMap.h) or when a Conv consumes it as TensorFlow's space_to_batch
// (SpaceToBatch.cpp).
struct View {
  ValueId source = -1;
  HostTensor map;     // Int64 indices into `source`, in the viewed shape
  std::string origin; // the node that started the view, for messages
};

struct Value {
  enum class Kind { Constant, Runtime, View };
  Kind kind = Kind::Runtime;
  HostTensor constant;              // Constant
  ValueId id = -1;                  // Runtime
  std::shared_ptr<const View> view; // View

  static Value ofConstant(HostTensor t);
  static Value ofRuntime(ValueId id);
  static Value ofView(View v);
};

class Importer;
using Converter = std::function<void(Importer &)>;
using OpTable = std::map<std::string, Converter>;

// Each family of converters adds its operators to the table.
void registerConvOps(OpTable &table);        // ConvertConv.cpp
void registerElementwiseOps(OpTable &table); // ConvertElementwise.cpp
void registerPoolOps(OpTable &table);        // ConvertPool.cpp
void registerResizeOps(OpTable &table);      // ConvertResize.cpp
void registerTensorOps(OpTable &table);      // ConvertTensor.cpp
void registerLinearOps(OpTable &table);      // ConvertLinear.cpp

// Folds `node()` when all its inputs are constants and the op is one the
// constant folder knows; returns false otherwise (ConstantFolding.cpp).
bool foldNode(Importer &im);
// The ops foldNode knows.
std::vector<std::string> foldableOps();

class Importer {
public:
  Importer(OnnxFile file, const ParseOptions &options);
  ImportedModel run();

  // The node being converted.
  const onnx::NodeProto &node() const { return *node_; }
  const std::string &op() const { return node_->op_type(); }
  int opset() const { return file_.opset; }
  const OnnxFile &file() const { return file_; }
  // "node '/conv1/Conv' (Conv, opset 13)"
  std::string where() const;
  [[noreturn]] void fail(const std::string &message) const;
  // An error about one attribute value atrous cannot represent exactly.
  [[noreturn]] void unsupportedAttr(const std::string &attr, const std::string &value,
                                    const std::string &why = "") const;

  // Inputs. An input is present when it is listed with a non-empty name.
  int inputCount() const { return node_->input_size(); }
  bool hasInput(int k) const;
  const Value &input(int k) const;
  bool isConstant(int k) const;
  // The constant input k; an error naming `what` when it is computed at run
  // time or absent.
  const HostTensor &constant(int k, const std::string &what) const;
  // The run-time input k as an IR value (views are materialized); an error
  // when it is a constant.
  ValueId runtime(int k);
  // The shape of input k, whatever kind of value it is.
  Shape shape(int k) const;
  // A value as IR, materializing views.
  ValueId materialize(const Value &v);

  // Attributes, with ONNX's defaults given by the caller.
  const onnx::AttributeProto *attr(const std::string &name) const;
  int64_t attrInt(const std::string &name, int64_t def) const;
  float attrFloat(const std::string &name, float def) const;
  std::string attrString(const std::string &name, const std::string &def) const;
  std::vector<int64_t> attrInts(const std::string &name,
                                const std::vector<int64_t> &def = {}) const;
  std::vector<float> attrFloats(const std::string &name) const;
  HostTensor attrTensor(const std::string &name) const;

  // Emits an IR node for the current ONNX node, named after it (`role`
  // distinguishes helper nodes: NAME.role). Shape-inference errors of the
  // IR come back as fail() messages.
  ValueId emit(OpKind op, std::vector<ValueId> inputs, const Attrs &attrs,
               const std::string &role = "");
  void addWeight(ValueId node, const std::string &suffix, Tensor t);
  const TensorType &typeOf(ValueId id) const { return graph_.type(id); }
  const Graph &graph() const { return graph_; }

  // Outputs of the current node.
  int outputCount() const { return node_->output_size(); }
  bool hasOutput(int k) const;
  void setOutput(int k, Value v);
  void setConstant(int k, HostTensor t) { setOutput(k, Value::ofConstant(std::move(t))); }
  void setRuntime(int k, ValueId id) { setOutput(k, Value::ofRuntime(id)); }

private:
  void addInputs();
  void convertNode(const onnx::NodeProto &n);
  void addOutputs();
  void prune();
  std::string uniqueName(const std::string &candidate);

  OnnxFile file_;
  ParseOptions options_;
  OpTable table_;
  Graph graph_;
  Weights weights_;
  std::map<std::string, Value> values_;
  std::set<std::string> usedNames_;
  std::set<std::string> graphOutputs_;
  std::set<std::string> consumed_; // values some node or the graph output reads
  const onnx::NodeProto *node_ = nullptr;
  std::string base_; // the IR name of the current node
};

// An IR identifier for an ONNX name: `/layer1/layer1.0/conv1/Conv` becomes
// `layer1.layer1.0.conv1.Conv`, other characters become `_`, and a name that
// starts with a digit gets a leading `_`.
std::string sanitizeName(const std::string &onnxName);

} // namespace atrous::onnx_import
