#include "frontend/onnx/Importer.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "frontend/onnx/ViewMap.h"
#include "ir/Error.h"

namespace atrous::onnx_import {

Value Value::ofConstant(HostTensor t) {
  Value v;
  v.kind = Kind::Constant;
  v.constant = std::move(t);
  return v;
}

Value Value::ofRuntime(ValueId id) {
  Value v;
  v.kind = Kind::Runtime;
  v.id = id;
  return v;
}

Value Value::ofView(View view) {
  Value v;
  v.kind = Kind::View;
  v.view = std::make_shared<const View>(std::move(view));
  return v;
}

std::string sanitizeName(const std::string &onnxName) {
  std::string s;
  for (char c : onnxName) {
    unsigned char u = static_cast<unsigned char>(c);
    char out = std::isalnum(u) || c == '_' || c == '.' ? c : c == '/' ? '.' : '_';
    if (out == '.' && (s.empty() || s.back() == '.')) continue;
    s += out;
  }
  while (!s.empty() && s.back() == '.')
    s.pop_back();
  if (s.empty()) return "v";
  if (std::isdigit(static_cast<unsigned char>(s[0]))) s = "_" + s;
  // Words the text format reads as values where a tensor name may appear.
  if (s == "true" || s == "false" || s == "inf" || s == "nan") s += "_";
  return s;
}

Importer::Importer(OnnxFile file, const ParseOptions &options)
    : file_(std::move(file)), options_(options) {
  registerConvOps(table_);
  registerElementwiseOps(table_);
  registerPoolOps(table_);
  registerResizeOps(table_);
  registerTensorOps(table_);
  registerLinearOps(table_);
}

std::string Importer::where() const {
  if (!node_) return "graph output '" + base_ + "'";
  std::string name = node_->name().empty() ? "(unnamed)" : node_->name();
  std::string op = node_->domain().empty() || node_->domain() == "ai.onnx"
                       ? node_->op_type()
                       : node_->domain() + "." + node_->op_type();
  return "node '" + name + "' (" + op + ", opset " + std::to_string(file_.opset) + ")";
}

void Importer::fail(const std::string &message) const {
  throw SourceError(SourceLoc{file_.file, 0, 0}, where() + ": " + message);
}

void Importer::unsupportedAttr(const std::string &attr, const std::string &value,
                               const std::string &why) const {
  fail("attribute " + attr + "=" + value + " is not supported" + (why.empty() ? "" : ": " + why));
}

bool Importer::hasInput(int k) const {
  return k < node_->input_size() && !node_->input(k).empty();
}

const Value &Importer::input(int k) const {
  if (!hasInput(k)) fail("input " + std::to_string(k) + " is missing");
  auto it = values_.find(node_->input(k));
  if (it == values_.end()) fail("input '" + node_->input(k) + "' is not available");
  return it->second;
}

bool Importer::isConstant(int k) const {
  return hasInput(k) && input(k).kind == Value::Kind::Constant;
}

const HostTensor &Importer::constant(int k, const std::string &what) const {
  if (!hasInput(k)) fail(what + " (input " + std::to_string(k) + ") is missing");
  const Value &v = input(k);
  if (v.kind != Value::Kind::Constant)
    fail(what + " ('" + node_->input(k) +
         "') is computed at run time; atrous needs it to be a constant (an initializer, a "
         "Constant or a foldable shape computation)");
  return v.constant;
}

ValueId Importer::materialize(const Value &v) {
  if (v.kind == Value::Kind::Runtime) return v.id;
  if (v.kind == Value::Kind::View) return materializeView(*this, *v.view);
  fail("a constant " + v.constant.describe() +
       " is used where atrous needs a run-time tensor (the IR has no constant tensors)");
}

ValueId Importer::runtime(int k) {
  const Value &v = input(k);
  if (v.kind == Value::Kind::Constant)
    fail("input '" + node_->input(k) + "' is a constant " + v.constant.describe() +
         "; atrous needs a run-time tensor here (the IR has no constant tensors)");
  return materialize(v);
}

Shape Importer::shape(int k) const {
  const Value &v = input(k);
  switch (v.kind) {
  case Value::Kind::Constant:
    return v.constant.shape;
  case Value::Kind::View:
    return v.view->map.shape;
  case Value::Kind::Runtime:
    break;
  }
  return graph_.type(v.id).shape;
}

const onnx::AttributeProto *Importer::attr(const std::string &name) const {
  for (const onnx::AttributeProto &a : node_->attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t Importer::attrInt(const std::string &name, int64_t def) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto_AttributeType_INT)
    fail("attribute " + name + " should be an integer");
  return a->i();
}

float Importer::attrFloat(const std::string &name, float def) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto_AttributeType_FLOAT)
    fail("attribute " + name + " should be a float");
  return a->f();
}

std::string Importer::attrString(const std::string &name, const std::string &def) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto_AttributeType_STRING)
    fail("attribute " + name + " should be a string");
  return a->s();
}

std::vector<int64_t> Importer::attrInts(const std::string &name,
                                        const std::vector<int64_t> &def) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto_AttributeType_INTS)
    fail("attribute " + name + " should be a list of integers");
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::vector<float> Importer::attrFloats(const std::string &name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a) return {};
  if (a->type() != onnx::AttributeProto_AttributeType_FLOATS)
    fail("attribute " + name + " should be a list of floats");
  return std::vector<float>(a->floats().begin(), a->floats().end());
}

HostTensor Importer::attrTensor(const std::string &name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a || a->type() != onnx::AttributeProto_AttributeType_TENSOR)
    fail("attribute " + name + " should be a tensor");
  return decodeTensor(a->t(), file_, "the " + name + " of " + where());
}

std::string Importer::uniqueName(const std::string &candidate) {
  std::string name = candidate;
  for (int k = 1; usedNames_.count(name); ++k)
    name = candidate + "_" + std::to_string(k);
  usedNames_.insert(name);
  return name;
}

ValueId Importer::emit(OpKind op, std::vector<ValueId> inputs, const Attrs &attrs,
                       const std::string &role) {
  Node n;
  n.name = uniqueName(role.empty() ? base_ : base_ + "." + role);
  n.op = op;
  n.inputs = std::move(inputs);
  n.attrs = attrs;
  n.loc = SourceLoc{file_.file, 0, 0};
  try {
    return graph_.addNode(std::move(n));
  } catch (const SourceError &e) {
    fail(e.message());
  } catch (const Error &e) {
    fail(e.what());
  }
}

void Importer::addWeight(ValueId node, const std::string &suffix, Tensor t) {
  weights_[graph_.node(node).name + "." + suffix] = std::move(t);
}

bool Importer::hasOutput(int k) const {
  return k < node_->output_size() && !node_->output(k).empty();
}

void Importer::setOutput(int k, Value v) {
  if (!hasOutput(k)) return;
  values_[node_->output(k)] = std::move(v);
}

namespace {

std::string dimName(const onnx::TensorShapeProto_Dimension &dim) {
  if (dim.has_dim_param()) return "'" + dim.dim_param() + "'";
  if (dim.has_dim_value()) return std::to_string(dim.dim_value());
  return "of unknown extent";
}

// "[batch, 3, height, width]"
std::string shapeOf(const onnx::TensorShapeProto &shape) {
  std::string s = "[";
  for (int d = 0; d < shape.dim_size(); ++d) {
    const auto &dim = shape.dim(d);
    s += d ? ", " : "";
    s += dim.has_dim_value() && dim.dim_value() > 0 ? std::to_string(dim.dim_value())
         : dim.has_dim_param()                      ? dim.dim_param()
                                                    : "?";
  }
  return s + "]";
}

// A runnable --input-shape value: the static dims, 1 for a dynamic batch and
// 64 for other dynamic dims.
std::string exampleShape(const onnx::TensorShapeProto &shape) {
  std::string s;
  for (int d = 0; d < shape.dim_size(); ++d) {
    const auto &dim = shape.dim(d);
    int64_t v = dim.has_dim_value() && dim.dim_value() > 0 ? dim.dim_value() : d == 0 ? 1 : 64;
    s += (d ? "x" : "") + std::to_string(v);
  }
  return s;
}

} // namespace

void Importer::addInputs() {
  const onnx::GraphProto &g = file_.model.graph();
  for (const onnx::TensorProto &t : g.initializer())
    values_[t.name()] = Value::ofConstant(decodeTensor(t, file_, "initializer '" + t.name() + "'"));
  std::set<std::string> realInputs;
  for (const onnx::ValueInfoProto &in : g.input()) {
    if (values_.count(in.name())) continue; // an initializer listed as an input (IR < 4)
    realInputs.insert(in.name());
  }
  for (const auto &[name, shape] : options_.inputShapes)
    if (!realInputs.count(name)) {
      std::string list;
      for (const std::string &r : realInputs)
        list += (list.empty() ? "" : ", ") + r;
      throw SourceError(SourceLoc{file_.file, 0, 0},
                        "--input-shape names '" + name + "', but the model's inputs are: " + list);
    }
  for (const onnx::ValueInfoProto &in : g.input()) {
    if (!realInputs.count(in.name())) continue;
    auto failInput = [&](const std::string &message) {
      throw SourceError(SourceLoc{file_.file, 0, 0}, "input '" + in.name() + "' " + message);
    };
    if (!in.type().has_tensor_type()) failInput("is not a tensor");
    const onnx::TypeProto_Tensor &tt = in.type().tensor_type();
    auto elem = static_cast<ElemType>(tt.elem_type());
    if (elem != ElemType::Float)
      failInput("has element type " + elemTypeName(elem) + "; atrous models take float inputs");
    auto fixed = options_.inputShapes.find(in.name());
    Shape shape;
    if (tt.has_shape()) {
      for (int d = 0; d < tt.shape().dim_size(); ++d) {
        const onnx::TensorShapeProto_Dimension &dim = tt.shape().dim(d);
        if (dim.has_dim_value() && dim.dim_value() > 0) {
          shape.push_back(dim.dim_value());
          continue;
        }
        if (fixed != options_.inputShapes.end()) {
          shape.push_back(0);
          continue;
        }
        failInput("has a dynamic dimension " + dimName(dim) + " (dim " + std::to_string(d) +
                  " of " + shapeOf(tt.shape()) + "); fix every dim with --input-shape, e.g. " +
                  "--input-shape " + in.name() + "=" + exampleShape(tt.shape()));
      }
    } else if (fixed == options_.inputShapes.end()) {
      failInput("has no shape; give it with --input-shape, e.g. --input-shape " + in.name() +
                "=1x3x64x64");
    }
    if (fixed != options_.inputShapes.end()) {
      if (tt.has_shape() && fixed->second.size() != shape.size())
        failInput("has rank " + std::to_string(shape.size()) + ", but --input-shape gives " +
                  shapeStr(fixed->second));
      shape = fixed->second;
    }
    ValueId id;
    try {
      id = graph_.addInput(uniqueName(sanitizeName(in.name())), {DType::F32, shape},
                           SourceLoc{file_.file, 0, 0});
    } catch (const SourceError &e) {
      failInput(e.message());
    }
    values_[in.name()] = Value::ofRuntime(id);
  }
}

void Importer::convertNode(const onnx::NodeProto &n) {
  node_ = &n;
  std::string candidate = n.name();
  if (n.output_size() > 0 && graphOutputs_.count(n.output(0)))
    candidate = n.output(0);
  else if (candidate.empty())
    candidate = n.output_size() > 0 && !n.output(0).empty() ? n.output(0) : n.op_type();
  base_ = sanitizeName(candidate);
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    fail("operator " + n.domain() + "." + n.op_type() +
         " is not supported (atrous imports the "
         "default ONNX domain only)");
  for (int k = 0; k < n.input_size(); ++k)
    if (!n.input(k).empty()) input(k);
  if (foldNode(*this)) return;
  auto it = table_.find(n.op_type());
  if (it == table_.end())
    fail("operator " + n.op_type() + " is not supported (docs/onnx.md lists what atrous imports)");
  // Errors of the shared helpers (HostTensor, shape rules) become errors of
  // this node.
  try {
    it->second(*this);
  } catch (const SourceError &) {
    throw;
  } catch (const Error &e) {
    fail(e.what());
  }
  for (int k = 0; k < n.output_size(); ++k)
    if (!n.output(k).empty() && !values_.count(n.output(k)) && consumed_.count(n.output(k)))
      fail("output " + std::to_string(k) + " ('" + n.output(k) + "') is used, but atrous " +
           "computes only the first output of " + n.op_type());
}

void Importer::addOutputs() {
  node_ = nullptr;
  for (const onnx::ValueInfoProto &out : file_.model.graph().output()) {
    auto failOutput = [&](const std::string &message) {
      throw SourceError(SourceLoc{file_.file, 0, 0},
                        "graph output '" + out.name() + "' " + message);
    };
    auto it = values_.find(out.name());
    if (it == values_.end()) failOutput("is not computed by any node");
    base_ = sanitizeName(out.name());
    const Value &v = it->second;
    if (v.kind == Value::Kind::Constant)
      failOutput("is a constant (it does not depend on the inputs); atrous models compute every "
                 "output from their inputs");
    ValueId id = v.kind == Value::Kind::View ? materializeView(*this, *v.view, true) : v.id;
    if (graph_.node(id).op == OpKind::Input) {
      // An input passed through: the IR's outputs are computed values, so
      // copy it (a reshape to its own shape, which fold-constants keeps).
      Attrs a;
      a.set("shape", graph_.type(id).shape);
      id = emit(OpKind::Reshape, {id}, a);
    }
    if (std::find(graph_.outputs.begin(), graph_.outputs.end(), id) != graph_.outputs.end())
      failOutput("is the same value as another output");
    graph_.outputs.push_back(id);
  }
}

// Drops IR nodes no output depends on (helpers of folded views, unused
// branches) with their weights; inputs stay, as the model declares them.
void Importer::prune() {
  std::vector<bool> needed(graph_.nodes.size(), false);
  for (ValueId out : graph_.outputs)
    needed[out] = true;
  for (size_t k = graph_.nodes.size(); k-- > 0;) {
    const Node &n = graph_.nodes[k];
    if (n.op == OpKind::Input) needed[k] = true;
    if (!needed[k]) continue;
    for (ValueId in : n.inputs)
      needed[in] = true;
  }
  Graph pruned;
  pruned.name = graph_.name;
  std::vector<ValueId> remap(graph_.nodes.size(), -1);
  for (size_t k = 0; k < graph_.nodes.size(); ++k) {
    const Node &n = graph_.nodes[k];
    if (!needed[k]) {
      for (const ParamSpec &p : paramSpecs(graph_, n))
        weights_.erase(p.name);
      continue;
    }
    if (n.op == OpKind::Input) {
      remap[k] = pruned.addInput(n.name, n.type, n.loc);
      continue;
    }
    Node copy = n;
    for (ValueId &in : copy.inputs)
      in = remap[in];
    remap[k] = pruned.addNode(std::move(copy));
  }
  for (ValueId out : graph_.outputs)
    pruned.outputs.push_back(remap[out]);
  graph_ = std::move(pruned);
}

ImportedModel Importer::run() {
  std::string stem = std::filesystem::path(file_.file).stem().string();
  graph_.name = sanitizeName(stem.empty() ? "model" : stem);
  for (const onnx::ValueInfoProto &out : file_.model.graph().output()) {
    graphOutputs_.insert(out.name());
    consumed_.insert(out.name());
  }
  for (const onnx::NodeProto &n : file_.model.graph().node())
    for (const std::string &in : n.input())
      consumed_.insert(in);
  addInputs();
  for (const onnx::NodeProto &n : file_.model.graph().node())
    convertNode(n);
  addOutputs();
  prune();
  checkWeights(graph_, weights_);
  return {std::move(graph_), std::move(weights_)};
}

} // namespace atrous::onnx_import

namespace atrous {

ImportedModel importOnnxFile(const std::string &path, const ParseOptions &options) {
  return onnx_import::Importer(onnx_import::readOnnxFile(path), options).run();
}

ImportedModel importOnnx(const std::string &bytes, const std::string &file, const std::string &dir,
                         const ParseOptions &options) {
  return onnx_import::Importer(onnx_import::parseOnnx(bytes, file, dir), options).run();
}

std::vector<std::string> runtimeOnnxOps() {
  onnx_import::OpTable table;
  onnx_import::registerConvOps(table);
  onnx_import::registerElementwiseOps(table);
  onnx_import::registerPoolOps(table);
  onnx_import::registerResizeOps(table);
  onnx_import::registerTensorOps(table);
  onnx_import::registerLinearOps(table);
  std::vector<std::string> ops;
  for (const auto &[name, converter] : table)
    ops.push_back(name);
  return ops;
}

std::vector<std::string> supportedOnnxOps() {
  std::vector<std::string> ops = runtimeOnnxOps(), folded = onnx_import::foldableOps();
  ops.insert(ops.end(), folded.begin(), folded.end());
  std::sort(ops.begin(), ops.end());
  ops.erase(std::unique(ops.begin(), ops.end()), ops.end());
  return ops;
}

bool isOnnxPath(const std::string &path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".onnx";
}

} // namespace atrous
