#include "codegen/DriverSource.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "ir/InPlace.h"
#include "ir/Layout.h"
#include "ir/Weights.h"
#include "passes/MemoryPlan.h"

namespace atrous::codegen {

namespace {

std::string upper(std::string s) {
  for (char &c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string cType(DType t) {
  return t == DType::I32 ? "int32_t" : "float";
}

// Halide-order dims {min, extent, stride, flags} of a value with logical
// `strides`.
std::string dimsInitializer(const Shape &shape, const std::vector<int64_t> &strides) {
  std::string s = "{";
  for (size_t k = 0; k < shape.size(); ++k) {
    const size_t logical = shape.size() - 1 - k;
    s += (k ? ", " : "") + std::string("{0, ") + std::to_string(shape[logical]) + ", " +
         std::to_string(strides[logical]) + ", 0}";
  }
  return s + "}";
}

std::string shapeInitializer(const Shape &shape) {
  std::string s = "{";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "}";
}

std::string cString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

uint64_t byteSize(const TensorType &t) {
  return static_cast<uint64_t>(numElements(t.shape)) * static_cast<uint64_t>(dtypeSize(t.dtype));
}

// Where each value lives during a call: a caller's input or output buffer,
// or a slice of the intermediate arena.
struct Storage {
  std::map<ValueId, std::string> buffer;   // value -> C expression of its halide_buffer_t *
  std::map<ValueId, uint64_t> arenaOffset; // intermediates only
  // The parts of in-place concats: the value whose buffer holds each (a
  // caller's output or an intermediate) and the byte offset in it.
  std::map<ValueId, std::pair<ValueId, uint64_t>> view;
  uint64_t arenaBytes = 0;    // the arena, with reuse
  uint64_t unsharedBytes = 0; // what the intermediates would need without reuse
};

Storage planStorage(const DriverSpec &spec) {
  const Graph &g = *spec.graph;
  Storage s;
  std::vector<ValueId> inputs = g.inputs();
  std::set<ValueId> external(inputs.begin(), inputs.end());
  for (size_t i = 0; i < inputs.size(); ++i)
    s.buffer[inputs[i]] = "ins[" + std::to_string(i) + "]";
  for (size_t j = 0; j < g.outputs.size(); ++j) {
    external.insert(g.outputs[j]);
    if (!s.buffer.count(g.outputs[j])) s.buffer[g.outputs[j]] = "outs[" + std::to_string(j) + "]";
  }
  // Intermediates share one arena; values whose lifetimes do not overlap
  // reuse the same bytes (passes/MemoryPlan.h).
  std::vector<std::vector<ValueId>> steps;
  for (const Group &group : spec.groups)
    steps.push_back(group.nodes);
  MemoryPlan plan = graphMemoryPlan(g, steps, external);
  for (const auto &[v, offset] : plan.offset) {
    s.arenaOffset[v] = offset;
    s.buffer[v] = "&v" + std::to_string(v);
  }
  for (const std::vector<ValueId> &step : steps) {
    const ValueId v = step.back();
    const Placement at = placementOf(g, v);
    if (at.root == v) continue;
    const std::vector<int64_t> strides = storageStrides(g, at.root);
    int64_t offset = 0;
    for (size_t d = 0; d < strides.size(); ++d)
      offset += at.offset[d] * strides[d];
    s.view[v] = {at.root, static_cast<uint64_t>(offset) * dtypeSize(g.type(v).dtype)};
    s.buffer[v] = "&v" + std::to_string(v);
  }
  s.arenaBytes = plan.peakBytes;
  s.unsharedBytes = plan.totalBytes;
  return s;
}

// The weights a group's function takes, in argument order.
std::vector<ParamSpec> groupParams(const Graph &g, const Group &group) {
  std::vector<ParamSpec> params;
  for (ValueId id : group.nodes) {
    std::vector<ParamSpec> p = paramSpecs(g, g.node(id));
    params.insert(params.end(), p.begin(), p.end());
  }
  return params;
}

bool isReservedWord(const std::string &s) {
  static const std::set<std::string> keywords = {
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
      "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
      "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
      "union", "unsigned", "void", "volatile", "while", "_Bool", "_Complex", "_Alignas", "_Atomic",
      "_Noreturn", "_Thread_local", "bool", "true", "false",
      // The header is included from C++ too.
      "and", "asm", "catch", "char8_t", "char16_t", "char32_t", "class", "concept", "const_cast",
      "constexpr", "consteval", "constinit", "decltype", "delete", "dynamic_cast", "explicit",
      "export", "friend", "mutable", "namespace", "new", "noexcept", "not", "nullptr", "operator",
      "or", "private", "protected", "public", "reinterpret_cast", "requires", "static_assert",
      "static_cast", "template", "this", "thread_local", "throw", "try", "typeid", "typename",
      "using", "virtual", "wchar_t", "xor"};
  return keywords.count(s) != 0;
}

// Readable, distinct C parameter names for the header's prototypes: inputs
// then outputs, outputs suffixed with _out. The driver's definitions use
// their own fixed names, so these can never clash with its locals.
std::vector<std::string> headerParamNames(const DriverSpec &spec) {
  const Graph &g = *spec.graph;
  std::vector<std::string> names;
  std::set<std::string> used;
  auto add = [&](std::string n) {
    if (isReservedWord(n)) n += "_";
    std::string unique = n;
    for (int k = 2; !used.insert(unique).second; ++k)
      unique = n + std::to_string(k);
    names.push_back(unique);
  };
  for (ValueId v : g.inputs())
    add(cIdentifierFor(g.node(v).name));
  for (size_t j = 0; j < g.outputs.size(); ++j)
    add(cIdentifierFor(spec.outputName(j)) + "_out");
  return names;
}

} // namespace

std::string cIdentifierFor(const std::string &name) {
  std::string s;
  for (char c : name)
    s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) s = "m_" + s;
  return s;
}

const std::string &DriverSpec::outputName(size_t j) const {
  return j < outputNames.size() ? outputNames[j] : graph->node(graph->outputs[j]).name;
}

uint64_t intermediateBytes(const DriverSpec &spec) {
  return planStorage(spec).arenaBytes;
}

uint64_t unsharedIntermediateBytes(const DriverSpec &spec) {
  return planStorage(spec).unsharedBytes;
}

std::string generateHeader(const DriverSpec &spec) {
  const Graph &g = *spec.graph;
  const std::string &m = spec.modelName;
  const std::string M = upper(m);
  std::vector<ValueId> inputs = g.inputs();
  std::string h;
  h += "/* " + m + ".h: generated by atrousc from model '" + g.name +
       "'. Do not edit.\n   See docs/generated-api.md. */\n";
  h += "#ifndef ATROUS_MODEL_" + M + "_H\n#define ATROUS_MODEL_" + M + "_H\n\n";
  h += "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += "struct halide_buffer_t;\n\n";
  h += "#ifndef ATROUS_OK\n#define ATROUS_OK 0\n#define ATROUS_ERROR_NULL_POINTER (-1)\n"
       "#define ATROUS_ERROR_BAD_BUFFER (-2)\n#define ATROUS_ERROR_OUT_OF_MEMORY (-3)\n"
       "#define ATROUS_ERROR_WEIGHTS (-4)\n#define ATROUS_ERROR_HALIDE (-5)\n#endif\n\n";
  h += "#define " + M + "_NUM_INPUTS " + std::to_string(inputs.size()) + "\n";
  h += "#define " + M + "_NUM_OUTPUTS " + std::to_string(g.outputs.size()) + "\n";
  auto describe = [&](const char *kind, const char *KIND, size_t i, ValueId v,
                      const std::string &name) {
    // The array an app passes: the value itself, or its elements channels
    // innermost where the model's I/O layout says so (ir/Layout.h).
    const TensorType &logical = g.type(v), t = ioType(g, logical);
    std::string tag = std::string(KIND) + std::to_string(i);
    const bool channelsLast = ioLayout(g, logical) == Layout::ChannelsLast;
    h += "/* " + std::string(kind) + " " + std::to_string(i) + " `" + name + "`: " + t.str() +
         (channelsLast ? ", channels_last: the " + logical.str() + " value, channels innermost"
                       : std::string()) +
         " */\n";
    h += "#define " + M + "_" + tag + "_CHANNELS_LAST " + (channelsLast ? "1" : "0") + "\n";
    h += "#define " + M + "_" + tag + "_RANK " + std::to_string(t.rank()) + "\n";
    h += "#define " + M + "_" + tag + "_ELEMENTS " + std::to_string(numElements(t.shape)) + "\n";
    h += "#define " + M + "_" + tag + "_IS_INT32 " + (t.dtype == DType::I32 ? "1" : "0") + "\n";
    h += "static const int64_t " + m + "_" + kind + std::to_string(i) + "_shape[" +
         std::to_string(t.rank()) + "] = " + shapeInitializer(t.shape) + ";\n";
  };
  for (size_t i = 0; i < inputs.size(); ++i)
    describe("input", "INPUT", i, inputs[i], g.node(inputs[i]).name);
  for (size_t j = 0; j < g.outputs.size(); ++j)
    describe("output", "OUTPUT", j, g.outputs[j], spec.outputName(j));
  h += "/* bytes of intermediate values one call needs; a call keeps them for the\n"
       "   next (" +
       m + "_release_memory) */\n";
  h += "#define " + M + "_INTERMEDIATE_BYTES " + std::to_string(intermediateBytes(spec)) + "\n\n";

  std::string arrays, buffers;
  std::vector<std::string> names = headerParamNames(spec);
  for (size_t i = 0; i < inputs.size(); ++i) {
    arrays +=
        (i ? ", " : "") + std::string("const ") + cType(g.type(inputs[i]).dtype) + " *" + names[i];
    buffers += (i ? ", " : "") + std::string("struct halide_buffer_t *") + names[i];
  }
  for (size_t j = 0; j < g.outputs.size(); ++j) {
    const std::string &name = names[inputs.size() + j];
    arrays += ", " + cType(g.type(g.outputs[j]).dtype) + " *" + name;
    buffers += ", struct halide_buffer_t *" + name;
  }
  h += "/* Dense row-major arrays of the shapes above, inputs then outputs.\n"
       "   Returns ATROUS_OK or a negative status; thread-safe. */\n";
  h += "int " + m + "_run(" + arrays + ");\n";
  h += "/* The same over Halide buffers of exactly the model's types and logical\n"
       "   (NCHW) shapes, innermost dimension first, with the dense strides of\n"
       "   the arrays above (channels innermost where _CHANNELS_LAST is 1). */\n";
  h += "int " + m + "_run_buffers(" + buffers + ");\n";
  h += "/* The same with the array pointers in one list, inputs then outputs. */\n";
  h += "int " + m + "_run_arrays(void **arrays);\n";
  h += "/* Why the last failed call on this thread failed; \"\" after a success. */\n";
  h += "const char *" + m + "_last_error(void);\n";
  h += "/* Frees the intermediates' memory that the last call kept for the next\n"
       "   one; the next call allocates it again. Safe at any time. */\n";
  h += "void " + m + "_release_memory(void);\n";
  if (spec.externalWeights)
    h += "/* Loads the packed weights file written beside the library. Call it once,\n"
         "   before the first run and not while a run is in progress. */\nint " +
         m + "_load_weights(const char *path);\n";
  h += "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return h;
}

std::string generateDriver(const DriverSpec &spec) {
  const Graph &g = *spec.graph;
  const std::string &m = spec.modelName;
  Storage storage = planStorage(spec);
  std::vector<ValueId> inputs = g.inputs();
  std::string c;
  c += "/* Driver of model '" + g.name + "', generated by atrousc. Do not edit. */\n";
  c += "#include \"HalideRuntime.h\"\n#include \"" + m + ".h\"\n\n";
  c += "typedef __SIZE_TYPE__ size_t;\nvoid *malloc(size_t);\nvoid free(void *);\n"
       "void *memcpy(void *, const void *, size_t);\nvoid *memset(void *, int, size_t);\n"
       "int snprintf(char *, size_t, const char *, ...);\n"
       "typedef struct _IO_FILE FILE;\nextern FILE *stderr;\nint fputs(const char *, FILE *);\n"
       "void atrous_use_thread_pool(void);\n";
  if (spec.externalWeights)
    c += "FILE *fopen(const char *, const char *);\n"
         "size_t fread(void *, size_t, size_t, FILE *);\nint fclose(FILE *);\n";
  c += "\n";
  // The error handler and the thread's active call are shared by every atrous
  // model in an app: weak, identical definitions that the linker keeps once.
  // The handler only writes into a context that an atrous call on this thread
  // made active; any other Halide code's errors go to stderr as by default,
  // so a foreign user_context is never written to.
  c += "struct atrous_call_context { char message[1024]; };\n"
       "__attribute__((weak)) _Thread_local struct atrous_call_context *atrous_active_call;\n"
       "__attribute__((weak)) void atrous_halide_error(void *uc, const char *msg) {\n"
       "  struct atrous_call_context *ctx = atrous_active_call;\n"
       "  if (ctx && uc == ctx) {\n"
       "    if (!ctx->message[0]) snprintf(ctx->message, sizeof ctx->message, \"%s\", msg);\n"
       "    return;\n  }\n  fputs(msg, stderr);\n}\n\n";
  c += "static _Thread_local char " + m + "_error[1024];\n";
  c += "const char *" + m + "_last_error(void) { return " + m + "_error; }\n\n";
  // A call keeps its arena for the next one: allocating megabytes afresh
  // costs a page fault per page on every call (glibc maps large blocks and
  // unmaps them on free). Concurrent calls take the one kept arena with an
  // atomic exchange or allocate their own, and hand theirs back only into an
  // empty slot, so no two calls ever share one.
  c += "static unsigned char *" + m + "_kept_arena;\n";
  c += "void " + m + "_release_memory(void) {\n  free(__atomic_exchange_n(&" + m +
       "_kept_arena, (unsigned char *)0, __ATOMIC_ACQ_REL));\n}\n\n";

  // Group entry points; equal groups share one.
  std::set<std::string> declared;
  for (size_t i = 0; i < spec.groups.size(); ++i) {
    const Group &grp = spec.groups[i];
    if (grp.inPlace || !declared.insert(spec.objects[i].functionName).second) continue;
    size_t args = grp.inputs.size() + groupParams(g, grp).size() + 1;
    std::string decl = "int " + spec.objects[i].functionName + "(void *";
    for (size_t a = 0; a < args; ++a)
      decl += ", struct halide_buffer_t *";
    c += decl + ");\n";
  }
  c += "\n";

  // Weights.
  const WeightsBlob &blob = *spec.weights;
  if (spec.externalWeights) {
    c += "static unsigned char *" + m + "_weights_data;\n";
    c +=
        "int " + m +
        "_load_weights(const char *path) {\n"
        "  unsigned char header[64];\n  unsigned long long fields[3];\n  FILE *f;\n"
        "  unsigned char *data;\n"
        "  if (!path) { snprintf(" +
        m + "_error, sizeof " + m +
        "_error, \"weights path is NULL\"); "
        "return ATROUS_ERROR_NULL_POINTER; }\n"
        "  f = fopen(path, \"rb\");\n"
        "  if (!f) { snprintf(" +
        m + "_error, sizeof " + m +
        "_error, \"cannot open %s\", path); "
        "return ATROUS_ERROR_WEIGHTS; }\n"
        "  if (fread(header, 1, 64, f) != 64 || memcpy(fields, header + 8, sizeof fields) == 0 ||\n"
        "      header[0] != 'A' || header[7] != '1' || fields[0] != " +
        std::to_string(blob.fingerprint) +
        "ull || fields[1] != " + std::to_string(blob.data.size()) +
        "ull) {\n"
        "    fclose(f);\n    snprintf(" +
        m + "_error, sizeof " + m +
        "_error, "
        "\"%s is not the weights file of model " +
        g.name +
        "\", path);\n"
        "    return ATROUS_ERROR_WEIGHTS;\n  }\n"
        "  data = (unsigned char *)malloc(" +
        std::to_string(blob.data.size()) +
        ");\n"
        "  if (!data) { fclose(f); snprintf(" +
        m + "_error, sizeof " + m +
        "_error, \"out of memory\"); "
        "return ATROUS_ERROR_OUT_OF_MEMORY; }\n"
        "  if (fread(data, 1, " +
        std::to_string(blob.data.size()) + ", f) != " + std::to_string(blob.data.size()) +
        ") {\n"
        "    free(data);\n    fclose(f);\n    snprintf(" +
        m + "_error, sizeof " + m +
        "_error, "
        "\"%s is truncated\", path);\n    return ATROUS_ERROR_WEIGHTS;\n  }\n"
        "  fclose(f);\n  free(" +
        m + "_weights_data);\n  " + m +
        "_weights_data = data;\n"
        "  return ATROUS_OK;\n}\n\n";
  } else {
    c += "extern const unsigned char " + m + "_weights_data[];\n\n";
  }

  // Static dims of every buffer the driver builds.
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.type(static_cast<ValueId>(i)).rank() > 0)
      c += "static const halide_dimension_t " + m + "_dims_v" + std::to_string(i) + "[] = " +
           dimsInitializer(g.type(static_cast<ValueId>(i)).shape,
                           storageStrides(g, static_cast<ValueId>(i))) +
           ";\n";
  for (size_t p = 0; p < blob.specs.size(); ++p)
    c += "static const halide_dimension_t " + m + "_dims_w" + std::to_string(p) +
         "[] = " + dimsInitializer(blob.storage[p].shape, blob.storage[p].strides) + ";\n";
  c += "\n";
  c += "static void " + m +
       "_buffer(halide_buffer_t *b, const void *host, const halide_dimension_t "
       "*dims, int rank, int is_int, int host_dirty) {\n"
       "  memset(b, 0, sizeof *b);\n  b->host = (uint8_t *)host;\n"
       "  b->type.code = is_int ? halide_type_int : halide_type_float;\n"
       "  b->type.bits = 32;\n  b->type.lanes = 1;\n  b->dimensions = rank;\n"
       "  b->dim = (halide_dimension_t *)dims;\n";
  // Only what the host wrote (inputs, weights) needs uploading to a GPU.
  c += spec.gpu ? "  b->flags = host_dirty ? halide_buffer_flag_host_dirty : 0;\n"
                : "  (void)host_dirty;\n";
  c += "}\n\n";

  // Checks a caller's buffer against the model's type and shape.
  c += "static int " + m +
       "_check(const halide_buffer_t *b, const char *what, const "
       "halide_dimension_t *dims, int rank, int is_int) {\n"
       "  int d;\n"
       "  if (!b) { snprintf(" +
       m + "_error, sizeof " + m +
       "_error, \"%s is NULL\", what); "
       "return ATROUS_ERROR_NULL_POINTER; }\n"
       "  if (!b->host) { snprintf(" +
       m + "_error, sizeof " + m +
       "_error, \"%s has no host "
       "memory\", what); return ATROUS_ERROR_NULL_POINTER; }\n"
       "  if (b->type.code != (is_int ? halide_type_int : halide_type_float) || b->type.bits != 32 "
       "|| b->type.lanes != 1) {\n"
       "    snprintf(" +
       m + "_error, sizeof " + m +
       "_error, \"%s has the wrong element type, "
       "expected %s\", what, is_int ? \"int32\" : \"float32\");\n"
       "    return ATROUS_ERROR_BAD_BUFFER;\n  }\n"
       "  if (b->dimensions != rank) {\n"
       "    snprintf(" +
       m + "_error, sizeof " + m +
       "_error, \"%s has %d dimensions, expected "
       "%d\", what, b->dimensions, rank);\n    return ATROUS_ERROR_BAD_BUFFER;\n  }\n"
       "  for (d = 0; d < rank; ++d) {\n"
       "    if (b->dim[d].min != 0 || b->dim[d].extent != dims[d].extent || b->dim[d].stride != "
       "dims[d].stride) {\n"
       "      snprintf(" +
       m + "_error, sizeof " + m +
       "_error, \"%s: dimension %d (innermost "
       "first) has min %d, extent %d, stride %d; expected 0, %d, %d\", what, d, b->dim[d].min, "
       "b->dim[d].extent, b->dim[d].stride, dims[d].extent, dims[d].stride);\n"
       "      return ATROUS_ERROR_BAD_BUFFER;\n    }\n  }\n  return ATROUS_OK;\n}\n\n";

  // The body: intermediates, weights, one call per group.
  c += "static int " + m + "_impl(halide_buffer_t **ins, halide_buffer_t **outs) {\n";
  c += "  struct atrous_call_context ctx;\n  int rc = 0;\n";
  c += "  const unsigned char *w = " + m + "_weights_data;\n";
  c += "  unsigned char *arena_base = 0, *arena = 0;\n";
  for (const auto &[v, off] : storage.arenaOffset)
    c += "  halide_buffer_t v" + std::to_string(v) + ";\n";
  for (const auto &[v, at] : storage.view)
    c += "  halide_buffer_t v" + std::to_string(v) + ";\n";
  for (size_t p = 0; p < blob.specs.size(); ++p)
    c += "  halide_buffer_t w" + std::to_string(p) + ";\n";
  c += "  (void)ins;\n  (void)outs;\n  (void)w;\n  ctx.message[0] = 0;\n";
  if (spec.externalWeights)
    c += "  if (!w) { snprintf(" + m + "_error, sizeof " + m +
         "_error, \"weights are not loaded: "
         "call " +
         m + "_load_weights first\"); return ATROUS_ERROR_WEIGHTS; }\n";
  if (storage.arenaBytes > 0) {
    c += "  arena_base = __atomic_exchange_n(&" + m +
         "_kept_arena, (unsigned char *)0, __ATOMIC_ACQ_REL);\n";
    c += "  if (!arena_base) arena_base = (unsigned char *)malloc(" +
         std::to_string(storage.arenaBytes) + "ull + 64);\n";
    c += "  if (!arena_base) { snprintf(" + m + "_error, sizeof " + m +
         "_error, \"out of memory "
         "(%llu bytes of intermediates)\", " +
         std::to_string(storage.arenaBytes) + "ull); return ATROUS_ERROR_OUT_OF_MEMORY; }\n";
    c += "  arena = arena_base + (64 - ((size_t)arena_base & 63));\n";
  }
  c += "  (void)arena;\n";
  c += "  struct atrous_call_context *previous_call = atrous_active_call;\n";
  c += "  atrous_active_call = &ctx;\n";
  c += "  halide_set_error_handler(atrous_halide_error);\n";
  // The runtime's pool (codegen/ThreadPool.c) runs the groups' parallel loops.
  c += "  atrous_use_thread_pool();\n";
  // Intermediate v's buffer over the bytes at `host` (a C expression).
  auto valueBuffer = [&](ValueId v, const std::string &host) {
    c += "  " + m + "_buffer(&v" + std::to_string(v) + ", " + host + ", " + m + "_dims_v" +
         std::to_string(v) + ", " + std::to_string(g.type(v).rank()) + ", " +
         (g.type(v).dtype == DType::I32 ? "1" : "0") + ", 0);\n";
  };
  for (const auto &[v, off] : storage.arenaOffset)
    valueBuffer(v, "arena + " + std::to_string(off) + "ull");
  for (const auto &[v, at] : storage.view)
    valueBuffer(v, "(" + storage.buffer.at(at.first) + ")->host + " + std::to_string(at.second) +
                       "ull");
  std::map<std::string, size_t> weightIndex;
  for (size_t p = 0; p < blob.specs.size(); ++p) {
    weightIndex[blob.specs[p].name] = p;
    c += "  " + m + "_buffer(&w" + std::to_string(p) + ", w + " + std::to_string(blob.offsets[p]) +
         "ull, " + m + "_dims_w" + std::to_string(p) + ", " +
         std::to_string(blob.storage[p].shape.size()) + ", 0, 1);\n";
  }
  for (size_t i = 0; i < spec.groups.size(); ++i) {
    const Group &grp = spec.groups[i];
    if (grp.inPlace) continue;
    const Node &node = g.node(grp.output());
    std::string call = "  rc = " + spec.objects[i].functionName + "(&ctx";
    for (ValueId in : grp.inputs)
      call += ", " + storage.buffer.at(in);
    for (const ParamSpec &p : groupParams(g, grp))
      call += ", &w" + std::to_string(weightIndex.at(p.name));
    call += ", " + storage.buffer.at(grp.output()) + ");\n";
    c += call;
    c += "  if (rc != 0) {\n    snprintf(" + m + "_error, sizeof " + m + "_error, \"%s: %s\", " +
         cString(opName(node.op) + " '" + node.name + "'") +
         ", ctx.message[0] ? ctx.message : \"the generated code failed\");\n"
         "    rc = ATROUS_ERROR_HALIDE;\n    goto done;\n  }\n";
  }
  // Outputs that alias an input or an earlier output are copied.
  for (size_t j = 0; j < g.outputs.size(); ++j) {
    std::string src = storage.buffer.at(g.outputs[j]);
    std::string dst = "outs[" + std::to_string(j) + "]";
    if (src == dst) continue;
    if (spec.gpu)
      c += "  if ((rc = halide_copy_to_host(&ctx, " + src +
           ")) != 0) { rc = ATROUS_ERROR_HALIDE; "
           "snprintf(" +
           m + "_error, sizeof " + m +
           "_error, \"copying an output to the host "
           "failed: %s\", ctx.message); goto done; }\n";
    c += "  memcpy(" + dst + "->host, (" + src + ")->host, " +
         std::to_string(byteSize(g.type(g.outputs[j]))) + "ull);\n";
  }
  c += "done:\n";
  if (spec.gpu) {
    for (size_t j = 0; j < g.outputs.size(); ++j)
      c += "  if (rc == 0 && halide_copy_to_host(&ctx, outs[" + std::to_string(j) +
           "]) != 0) {\n"
           "    rc = ATROUS_ERROR_HALIDE;\n    snprintf(" +
           m + "_error, sizeof " + m +
           "_error, "
           "\"copying an output to the host failed: %s\", ctx.message);\n  }\n";
    for (const auto &[v, off] : storage.arenaOffset)
      c += "  halide_device_free(&ctx, &v" + std::to_string(v) + ");\n";
    for (size_t p = 0; p < blob.specs.size(); ++p)
      c += "  halide_device_free(&ctx, &w" + std::to_string(p) + ");\n";
  }
  c += "  atrous_active_call = previous_call;\n";
  c += "  if (arena_base) {\n    unsigned char *empty = 0;\n"
       "    if (!__atomic_compare_exchange_n(&" +
       m +
       "_kept_arena, &empty, arena_base, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))\n"
       "      free(arena_base);\n  }\n";
  c += "  if (rc == 0) " + m + "_error[0] = 0;\n  return rc;\n}\n\n";

  // Entry points.
  std::string arrayParams, bufferParams, checks, wraps, ptrList, frees;
  size_t count = inputs.size() + g.outputs.size();
  for (size_t k = 0; k < count; ++k) {
    bool isInput = k < inputs.size();
    size_t idx = isInput ? k : k - inputs.size();
    ValueId v = isInput ? inputs[idx] : g.outputs[idx];
    const TensorType &t = g.type(v);
    std::string name = std::string(isInput ? "atrous_in" : "atrous_out") + std::to_string(idx);
    std::string what = std::string(isInput ? "input '" : "output '") +
                       (isInput ? g.node(v).name : spec.outputName(idx)) + "'";
    std::string isInt = t.dtype == DType::I32 ? "1" : "0";
    std::string dims = m + "_dims_v" + std::to_string(v);
    std::string slot = std::string(isInput ? "ins[" : "outs[") + std::to_string(idx) + "]";
    arrayParams +=
        (k ? ", " : "") + std::string(isInput ? "const " : "") + cType(t.dtype) + " *" + name;
    bufferParams += (k ? ", " : "") + std::string("struct halide_buffer_t *") + name;
    checks += "  if ((rc = " + m + "_check(" + name + ", " + cString(what) + ", " + dims + ", " +
              std::to_string(t.rank()) + ", " + isInt + ")) != 0) return rc;\n  " + slot + " = " +
              name + ";\n";
    wraps += "  if (!" + name + ") { snprintf(" + m + "_error, sizeof " + m + "_error, \"%s\", " +
             cString(what + " is NULL") + "); return ATROUS_ERROR_NULL_POINTER; }\n  " + m +
             "_buffer(&b[" + std::to_string(k) + "], " + name + ", " + dims + ", " +
             std::to_string(t.rank()) + ", " + isInt + ", " + (isInput ? "1" : "0") + ");\n  " +
             slot + " = &b[" + std::to_string(k) + "];\n";
    ptrList += (k ? ", " : "") + std::string("(") + (isInput ? "const " : "") + cType(t.dtype) +
               " *)arrays[" + std::to_string(k) + "]";
    if (spec.gpu) frees += "  halide_device_free(0, &b[" + std::to_string(k) + "]);\n";
  }
  std::string slots = "  halide_buffer_t *ins[" +
                      std::to_string(std::max<size_t>(1, inputs.size())) +
                      "];\n  halide_buffer_t *outs[" + std::to_string(g.outputs.size()) + "];\n";
  c += "int " + m + "_run_buffers(" + bufferParams + ") {\n" + slots + "  int rc;\n" + checks +
       "  return " + m + "_impl(ins, outs);\n}\n\n";
  c += "int " + m + "_run(" + arrayParams + ") {\n" + slots + "  halide_buffer_t b[" +
       std::to_string(count) + "];\n  int rc;\n";
  c += wraps + "  rc = " + m + "_impl(ins, outs);\n" + frees + "  return rc;\n}\n\n";
  c += "int " + m + "_run_arrays(void **arrays) {\n";
  c += "  if (!arrays) { snprintf(" + m + "_error, sizeof " + m +
       "_error, \"arrays is NULL\"); "
       "return ATROUS_ERROR_NULL_POINTER; }\n";
  c += "  return " + m + "_run(" + ptrList + ");\n}\n";
  return c;
}

std::string generateWeightsAssembly(const std::string &modelName, const std::string &blobPath) {
  std::string sym = modelName + "_weights_data";
  return "/* Weights of model " + modelName +
         ", generated by atrousc. */\n"
         "  .section .rodata\n  .balign 64\n  .globl " +
         sym + "\n  .type " + sym + ", %object\n" + sym + ":\n  .incbin " + cString(blobPath) +
         "\n  .size " + sym + ", . - " + sym + "\n  .section .note.GNU-stack,\"\",%progbits\n";
}

} // namespace atrous::codegen
