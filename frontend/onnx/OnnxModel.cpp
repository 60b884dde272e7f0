#include "frontend/onnx/OnnxModel.h"

#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "ir/Error.h"
#include "onnx/checker.h"

namespace atrous::onnx_import {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string &file, const std::string &message) {
  throw SourceError(SourceLoc{file, 0, 0}, message);
}

int defaultOpset(const onnx::ModelProto &model, const std::string &file) {
  int opset = -1;
  for (const onnx::OperatorSetIdProto &id : model.opset_import())
    if (id.domain().empty() || id.domain() == "ai.onnx") opset = static_cast<int>(id.version());
  if (opset < 0) fail(file, "the model imports no opset of the default ONNX domain");
  if (opset < kMinOpset || opset > kMaxOpset)
    fail(file, "opset " + std::to_string(opset) + " is not supported (atrous imports opsets " +
                   std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) + ")");
  return opset;
}

// ONNX's checker with the model's directory set, so that it finds external
// data where the model says it is (check_model(ModelProto) would look in the
// working directory).
void runChecker(const onnx::ModelProto &model, const OnnxFile &f) {
  if (model.ir_version() <= 0) fail(f.file, "the model has no ir_version (not an ONNX model?)");
  if (model.ir_version() > onnx::IR_VERSION)
    fail(f.file, "ir_version " + std::to_string(model.ir_version()) +
                     " is newer than this ONNX library reads (" +
                     std::to_string(static_cast<int>(onnx::IR_VERSION)) + ")");
  onnx::checker::CheckerContext ctx;
  ctx.set_ir_version(static_cast<int>(model.ir_version()));
  std::unordered_map<std::string, int> opsets;
  for (const onnx::OperatorSetIdProto &id : model.opset_import())
    opsets[id.domain()] = static_cast<int>(id.version());
  ctx.set_opset_imports(opsets);
  ctx.set_model_dir(f.dir);
  onnx::checker::LexicalScopeContext scope;
  try {
    onnx::checker::check_graph(model.graph(), ctx, scope);
  } catch (const std::exception &e) {
    fail(f.file, std::string("the ONNX checker rejects the model: ") + e.what());
  }
}

int elemSize(ElemType t) {
  switch (t) {
  case ElemType::Double:
  case ElemType::Int64:
  case ElemType::Uint64:
    return 8;
  case ElemType::Float:
  case ElemType::Int32:
  case ElemType::Uint32:
    return 4;
  case ElemType::Float16:
  case ElemType::BFloat16:
  case ElemType::Int16:
  case ElemType::Uint16:
    return 2;
  default:
    return 1;
  }
}

uint64_t loadLE(const unsigned char *p, int bytes) {
  uint64_t v = 0;
  for (int k = bytes - 1; k >= 0; --k)
    v = (v << 8) | p[k];
  return v;
}

// Decodes `count` little-endian elements of type `t`.
void decodeRaw(const std::string &bytes, ElemType t, HostTensor &out) {
  const int size = elemSize(t);
  const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
  const size_t count = bytes.size() / static_cast<size_t>(size);
  if (out.isFloat())
    out.f.resize(count);
  else
    out.i.resize(count);
  for (size_t k = 0; k < count; ++k) {
    uint64_t bits = loadLE(p + k * size, size);
    switch (t) {
    case ElemType::Float: {
      uint32_t w = static_cast<uint32_t>(bits);
      float v;
      std::memcpy(&v, &w, 4);
      out.f[k] = v;
      break;
    }
    case ElemType::Double: {
      double v;
      std::memcpy(&v, &bits, 8);
      out.f[k] = v;
      break;
    }
    case ElemType::Float16:
      out.f[k] = halfToFloat(static_cast<uint16_t>(bits));
      break;
    case ElemType::BFloat16:
      out.f[k] = bfloat16ToFloat(static_cast<uint16_t>(bits));
      break;
    case ElemType::Int8:
      out.i[k] = static_cast<int8_t>(bits);
      break;
    case ElemType::Int16:
      out.i[k] = static_cast<int16_t>(bits);
      break;
    case ElemType::Int32:
      out.i[k] = static_cast<int32_t>(bits);
      break;
    case ElemType::Int64:
    case ElemType::Uint64:
      out.i[k] = static_cast<int64_t>(bits);
      break;
    case ElemType::Bool:
      out.i[k] = bits != 0;
      break;
    default: // the unsigned types below 64 bits
      out.i[k] = static_cast<int64_t>(bits);
      break;
    }
  }
}

// The external data file of a tensor: a relative path that stays inside the
// model's folder (a model must not make the importer read arbitrary files).
fs::path checkExternalLocation(const onnx::TensorProto &tensor, const OnnxFile &f,
                               const std::string &what) {
  std::string location;
  for (const onnx::StringStringEntryProto &e : tensor.external_data())
    if (e.key() == "location") location = e.value();
  if (location.empty()) fail(f.file, what + " is stored externally but names no location");
  fs::path rel(location);
  bool escapes = rel.is_absolute();
  for (const fs::path &part : rel)
    escapes = escapes || part == "..";
  if (escapes)
    fail(f.file, what + ": external data location '" + location +
                     "' must be a relative path inside the model's folder");
  return fs::path(f.dir.empty() ? "." : f.dir) / rel;
}

// The bytes of an externally stored tensor, from the file its `location`
// names relative to the model.
std::string readExternal(const onnx::TensorProto &tensor, const OnnxFile &f,
                         const std::string &what, size_t expected) {
  fs::path path = checkExternalLocation(tensor, f, what);
  long long offset = 0, length = -1;
  for (const onnx::StringStringEntryProto &e : tensor.external_data()) {
    try {
      if (e.key() == "offset")
        offset = std::stoll(e.value());
      else if (e.key() == "length")
        length = std::stoll(e.value());
    } catch (const std::exception &) {
      fail(f.file, what + ": external data " + e.key() + " '" + e.value() + "' is not a number");
    }
  }
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    fail(f.file, what + ": external data file '" + path.string() + "' does not exist");
  const auto fileSize = static_cast<long long>(fs::file_size(path, ec));
  if (length < 0) length = static_cast<long long>(expected);
  if (offset < 0 || static_cast<size_t>(length) != expected)
    fail(f.file, what + ": external data length " + std::to_string(length) + " at offset " +
                     std::to_string(offset) + " does not match its shape (" +
                     std::to_string(expected) + " bytes)");
  if (offset + length > fileSize)
    fail(f.file, what + ": external data file '" + path.string() +
                     "' is truncated: " + std::to_string(offset + length) + " bytes needed, " +
                     std::to_string(fileSize) + " present");
  std::ifstream in(path, std::ios::binary);
  std::string bytes(expected, '\0');
  in.seekg(offset);
  in.read(bytes.data(), static_cast<std::streamsize>(expected));
  if (!in) fail(f.file, what + ": cannot read external data file '" + path.string() + "'");
  return bytes;
}

} // namespace

OnnxFile parseOnnx(const std::string &bytes, const std::string &file, const std::string &dir) {
  OnnxFile f;
  f.file = file;
  f.dir = dir;
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    fail(file, "the model is larger than 2 GiB; store its weights as external data");
  if (!f.model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    fail(file, "not a valid ONNX model (the protobuf does not parse: truncated or corrupt file?)");
  if (!f.model.has_graph() || f.model.graph().node_size() == 0)
    fail(file, "the model has no graph nodes (truncated file, or not an ONNX model?)");
  f.opset = defaultOpset(f.model, file);
  for (const onnx::TensorProto &t : f.model.graph().initializer())
    if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
      checkExternalLocation(t, f, "initializer '" + t.name() + "'");
  runChecker(f.model, f);
  return f;
}

OnnxFile readOnnxFile(const std::string &path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(path, "is a directory, not an ONNX file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string dir = fs::path(path).parent_path().string();
  return parseOnnx(ss.str(), path, dir.empty() ? "." : dir);
}

HostTensor decodeTensor(const onnx::TensorProto &tensor, const OnnxFile &f,
                        const std::string &what) {
  HostTensor out;
  out.type = static_cast<ElemType>(tensor.data_type());
  if (!isSupportedElemType(out.type))
    fail(f.file,
         what + " has element type " + elemTypeName(out.type) + ", which atrous does not import");
  if (tensor.has_segment()) fail(f.file, what + " is a segmented tensor, which is not supported");
  for (int64_t d : tensor.dims()) {
    if (d < 0) fail(f.file, what + " has a negative dimension " + std::to_string(d));
    out.shape.push_back(d);
  }
  int64_t numel;
  try {
    numel = out.numel();
  } catch (const Error &e) {
    fail(f.file, what + ": " + e.what());
  }
  const int size = elemSize(out.type);
  if (numel > Tensor::kMaxTensorBytes / size)
    fail(f.file, what + " " + shapeStr(out.shape) + " is too large");
  const size_t bytes = static_cast<size_t>(numel) * static_cast<size_t>(size);
  auto checkCount = [&](size_t got, const char *field) {
    if (got != static_cast<size_t>(numel))
      fail(f.file, what + " " + out.describe() + " holds " + std::to_string(got) + " values in " +
                       field + ", its shape needs " + std::to_string(numel) +
                       " (truncated or corrupt file?)");
  };
  if (tensor.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    decodeRaw(readExternal(tensor, f, what, bytes), out.type, out);
    return out;
  }
  if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() != bytes)
      fail(f.file, what + " " + out.describe() + " has " +
                       std::to_string(tensor.raw_data().size()) +
                       " bytes of data, its shape needs " + std::to_string(bytes) +
                       " (truncated or corrupt file?)");
    decodeRaw(tensor.raw_data(), out.type, out);
    return out;
  }
  switch (out.type) {
  case ElemType::Float:
    checkCount(static_cast<size_t>(tensor.float_data_size()), "float_data");
    out.f.assign(tensor.float_data().begin(), tensor.float_data().end());
    break;
  case ElemType::Double:
    checkCount(static_cast<size_t>(tensor.double_data_size()), "double_data");
    out.f.assign(tensor.double_data().begin(), tensor.double_data().end());
    break;
  case ElemType::Int64:
    checkCount(static_cast<size_t>(tensor.int64_data_size()), "int64_data");
    out.i.assign(tensor.int64_data().begin(), tensor.int64_data().end());
    break;
  case ElemType::Uint32:
  case ElemType::Uint64:
    checkCount(static_cast<size_t>(tensor.uint64_data_size()), "uint64_data");
    for (uint64_t v : tensor.uint64_data())
      out.i.push_back(static_cast<int64_t>(v));
    break;
  case ElemType::Float16:
  case ElemType::BFloat16:
    checkCount(static_cast<size_t>(tensor.int32_data_size()), "int32_data");
    for (int32_t v : tensor.int32_data())
      out.f.push_back(out.type == ElemType::Float16 ? halfToFloat(static_cast<uint16_t>(v))
                                                    : bfloat16ToFloat(static_cast<uint16_t>(v)));
    break;
  default:
    checkCount(static_cast<size_t>(tensor.int32_data_size()), "int32_data");
    for (int32_t v : tensor.int32_data())
      out.i.push_back(wrapTo(out.type, v));
    break;
  }
  return out;
}

} // namespace atrous::onnx_import
