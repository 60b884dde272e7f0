// The .atr parser (docs/format.md). It works in two steps: the tokens become
// a small syntax tree of top-level statements and block definitions, then the
// tree is evaluated into an ir::Graph, expanding blocks at their call sites.
// Parsing the whole file first is what lets a block call another block that
// is defined further down, and lets recursion be found before any expansion.
#include "frontend/Parser.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "frontend/Lexer.h"
#include "ir/Error.h"
#include "ir/Layout.h"
#include "ir/Verifier.h"

namespace atrous {

namespace {

// Nesting of parentheses, calls, lists and unary minus in one expression.
constexpr int kMaxSyntaxDepth = 200;
// Block calls inside block calls.
constexpr size_t kMaxBlockDepth = 64;
constexpr size_t kMaxNodes = 1000000;
// Calls evaluated plus block statements executed: bounds the work of
// expansions that create few nodes.
constexpr int64_t kMaxSteps = 4000000;
// Bytes of node names reserved, counting a fixed overhead per name: bounds
// the memory of expansions whose names grow long.
constexpr size_t kMaxNameBytes = size_t(64) << 20;
constexpr size_t kNameOverhead = 32;

// ---------------------------------------------------------------------------
// Syntax tree

struct KeywordArg;

struct Expr {
  enum class Kind { Name, Call, Int, Float, String, List, Negate, Binary };
  Kind kind = Kind::Name;
  SourceLoc loc;    // the name, literal or operator
  std::string text; // Name, the callee of a Call, String contents
  int64_t intValue = 0;
  double floatValue = 0;
  char binaryOp = 0;
  // Call: positional arguments; List: elements; Negate, Binary: operands.
  std::vector<Expr> operands;
  std::vector<KeywordArg> keywords; // Call only
};

struct KeywordArg {
  std::string name;
  SourceLoc loc;
  Expr value;
};

struct Assignment {
  std::string name;
  SourceLoc loc;
  Expr value;
};

struct Param {
  std::string name;
  SourceLoc loc;
};

struct BlockDef {
  std::string name;
  SourceLoc loc;
  std::vector<Param> params;
  std::vector<Assignment> body;
  Expr result;
};

struct InputDecl {
  std::string name;
  SourceLoc loc;
  TensorType type;
};

struct OutputDecl {
  std::string name;
  SourceLoc loc;
  std::optional<Expr> definition;
};

struct Statement {
  enum class Kind { Input, Assign, Output };
  Kind kind = Kind::Assign;
  InputDecl input;
  Assignment assign;
  OutputDecl output;
};

struct Ast {
  std::string modelName;       // empty when the file has no `model` statement
  bool channelsLastIo = false; // the model line's io_layout
  std::vector<Statement> statements;
  std::vector<BlockDef> blocks;
  std::unordered_map<std::string, size_t> blockIndex;
};

std::string quoted(const std::string &s) {
  constexpr size_t kMax = 40;
  return "'" + (s.size() > kMax ? s.substr(0, kMax) + "..." : s) + "'";
}

std::string describeToken(const Token &t) {
  switch (t.kind) {
  case TokenKind::Name:
  case TokenKind::Int:
  case TokenKind::Float:
    return quoted(t.text);
  default:
    return tokenKindDescription(t.kind);
  }
}

std::string joined(const std::vector<std::string> &items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i)
    s += (i ? ", " : "") + items[i];
  return s;
}

// ---------------------------------------------------------------------------
// Tokens -> syntax tree

class SyntaxParser {
public:
  SyntaxParser(const SourceText &source, std::vector<Token> tokens)
      : source_(source), tokens_(std::move(tokens)) {}

  Ast parseFile() {
    bool first = true;
    while (!at(TokenKind::End)) {
      const Token &t = peek();
      if (t.kind != TokenKind::Name) fail(t.loc, "expected a statement, got " + describeToken(t));
      bool keyword = peek(1).kind != TokenKind::Equals;
      if (keyword && t.text == "model") {
        if (!first) fail(t.loc, "'model' must be the first statement");
        next();
        ast_.modelName = expectName("a model name").text;
        // `model NAME io_layout=channels_last`: on the model's line, as an
        // assignment to `io_layout` on the next line is a statement.
        if (at(TokenKind::Name) && peek().text == "io_layout" &&
            peek(1).kind == TokenKind::Equals && peek().loc.line == t.loc.line) {
          next();
          next();
          Token layout = expectName("an I/O layout (planar or channels_last)");
          try {
            ast_.channelsLastIo = parseLayout(layout.text, "io_layout") == Layout::ChannelsLast;
          } catch (const Error &e) {
            fail(layout.loc, e.what());
          }
        }
      } else if (keyword && t.text == "input") {
        parseInput();
      } else if (keyword && t.text == "output") {
        parseOutput();
      } else if (keyword && t.text == "block") {
        parseBlock();
      } else if (keyword && t.text == "return") {
        fail(t.loc, "'return' outside a block");
      } else {
        Statement s;
        s.kind = Statement::Kind::Assign;
        s.assign = parseAssignment();
        ast_.statements.push_back(std::move(s));
      }
      first = false;
    }
    return std::move(ast_);
  }

private:
  [[noreturn]] void fail(const SourceLoc &loc, const std::string &message) const {
    source_.fail(loc, message);
  }

  const Token &peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool at(TokenKind kind) const { return peek().kind == kind; }
  Token next() {
    Token t = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  Token expect(TokenKind kind, const std::string &context = "") {
    if (!at(kind))
      fail(peek().loc,
           "expected " + tokenKindDescription(kind) + context + ", got " + describeToken(peek()));
    return next();
  }
  Token expectName(const std::string &what) {
    if (!at(TokenKind::Name))
      fail(peek().loc, "expected " + what + ", got " + describeToken(peek()));
    return next();
  }

  int64_t intLiteral(const Token &t) const {
    int64_t v = 0;
    for (char c : t.text) {
      int digit = c - '0';
      if (v > (std::numeric_limits<int64_t>::max() - digit) / 10)
        fail(t.loc, "integer literal " + quoted(t.text) + " is out of range");
      v = v * 10 + digit;
    }
    return v;
  }

  void parseInput() {
    next();
    Statement s;
    s.kind = Statement::Kind::Input;
    Token name = expectName("an input name");
    s.input.name = name.text;
    s.input.loc = name.loc;
    expect(TokenKind::Colon, " after the input name");
    Token dtype = expectName("a dtype (f32 or i32)");
    if (!parseDType(dtype.text, s.input.type.dtype))
      fail(dtype.loc, "unknown dtype " + quoted(dtype.text) + "; expected f32 or i32");
    expect(TokenKind::LBracket, " before the input shape");
    for (;;) {
      if (!at(TokenKind::Int))
        fail(peek().loc, "expected a dimension (a positive integer), got " + describeToken(peek()));
      Token dim = next();
      int64_t d = intLiteral(dim);
      if (d < 1) fail(dim.loc, "input dimension must be at least 1, got " + dim.text);
      s.input.type.shape.push_back(d);
      if (at(TokenKind::Comma)) {
        next();
        continue;
      }
      expect(TokenKind::RBracket, " or ',' in the input shape");
      break;
    }
    ast_.statements.push_back(std::move(s));
  }

  void parseOutput() {
    next();
    Statement s;
    s.kind = Statement::Kind::Output;
    Token name = expectName("an output name");
    s.output.name = name.text;
    s.output.loc = name.loc;
    if (at(TokenKind::Equals)) {
      next();
      s.output.definition = parseExpr();
    }
    ast_.statements.push_back(std::move(s));
  }

  Assignment parseAssignment() {
    Token name = expectName("a statement");
    expect(TokenKind::Equals, " after " + quoted(name.text));
    Assignment a;
    a.name = name.text;
    a.loc = name.loc;
    a.value = parseExpr();
    return a;
  }

  void parseBlock() {
    next();
    BlockDef block;
    Token name = expectName("a block name");
    block.name = name.text;
    block.loc = name.loc;
    if (lookupOp(block.name))
      fail(name.loc, "block " + quoted(block.name) + " has the name of an op");
    if (auto it = ast_.blockIndex.find(block.name); it != ast_.blockIndex.end())
      fail(name.loc, "block " + quoted(block.name) + " is already defined at " +
                         ast_.blocks[it->second].loc.str());
    expect(TokenKind::LParen, " after the block name");
    if (!at(TokenKind::RParen)) {
      for (;;) {
        Token param = expectName("a parameter name");
        for (const Param &p : block.params)
          if (p.name == param.text)
            fail(param.loc,
                 "duplicate parameter " + quoted(param.text) + " in block " + quoted(block.name));
        block.params.push_back({param.text, param.loc});
        if (!at(TokenKind::Comma)) break;
        next();
      }
    }
    expect(TokenKind::RParen, " or ',' after the block parameters");
    expect(TokenKind::LBrace, " to open the block body");
    for (;;) {
      if (at(TokenKind::RBrace) || at(TokenKind::End))
        fail(peek().loc, "block " + quoted(block.name) + " has no 'return'");
      if (peek().kind == TokenKind::Name && peek().text == "return" &&
          peek(1).kind != TokenKind::Equals) {
        next();
        block.result = parseExpr();
        expect(TokenKind::RBrace, " after the return of block " + quoted(block.name));
        break;
      }
      block.body.push_back(parseAssignment());
    }
    ast_.blockIndex[block.name] = ast_.blocks.size();
    ast_.blocks.push_back(std::move(block));
  }

  // Expressions. One grammar covers tensors and attribute values; which of
  // the two an expression must be is decided when it is evaluated.
  struct DepthGuard {
    DepthGuard(SyntaxParser &p) : parser(p) {
      if (++parser.depth_ > kMaxSyntaxDepth)
        parser.fail(parser.peek().loc, "expression nested too deeply");
    }
    ~DepthGuard() { --parser.depth_; }
    SyntaxParser &parser;
  };

  Expr parseExpr() {
    DepthGuard guard(*this);
    Expr left = parseTerm();
    while (at(TokenKind::Plus) || at(TokenKind::Minus)) {
      Token op = next();
      left = binary(std::move(left), op, parseTerm());
    }
    return left;
  }

  Expr parseTerm() {
    Expr left = parseUnary();
    while (at(TokenKind::Star) || at(TokenKind::Slash)) {
      Token op = next();
      left = binary(std::move(left), op, parseUnary());
    }
    return left;
  }

  static Expr binary(Expr left, const Token &op, Expr right) {
    Expr e;
    e.kind = Expr::Kind::Binary;
    e.loc = op.loc;
    e.binaryOp = op.text[0];
    e.operands.push_back(std::move(left));
    e.operands.push_back(std::move(right));
    return e;
  }

  Expr parseUnary() {
    if (!at(TokenKind::Minus)) return parsePrimary();
    DepthGuard guard(*this);
    Token minus = next();
    Expr e;
    e.loc = minus.loc;
    // The one literal that only fits in an int64 when negated.
    if (at(TokenKind::Int) && peek().text == "9223372036854775808") {
      next();
      e.kind = Expr::Kind::Int;
      e.intValue = std::numeric_limits<int64_t>::min();
      return e;
    }
    e.kind = Expr::Kind::Negate;
    e.operands.push_back(parseUnary());
    return e;
  }

  Expr parsePrimary() {
    Token t = peek();
    Expr e;
    e.loc = t.loc;
    switch (t.kind) {
    case TokenKind::Int:
      next();
      e.kind = Expr::Kind::Int;
      e.intValue = intLiteral(t);
      return e;
    case TokenKind::Float: {
      next();
      e.kind = Expr::Kind::Float;
      e.floatValue = std::strtod(t.text.c_str(), nullptr);
      if (std::isinf(e.floatValue)) fail(t.loc, "number " + quoted(t.text) + " is out of range");
      return e;
    }
    case TokenKind::String:
      next();
      e.kind = Expr::Kind::String;
      e.text = t.text;
      return e;
    case TokenKind::Name:
      next();
      e.text = t.text;
      if (at(TokenKind::LParen)) {
        e.kind = Expr::Kind::Call;
        parseArguments(e);
      } else {
        e.kind = Expr::Kind::Name;
      }
      return e;
    case TokenKind::LParen: {
      next();
      Expr inner = parseExpr();
      expect(TokenKind::RParen, " to close '('");
      return inner;
    }
    case TokenKind::LBracket:
      next();
      e.kind = Expr::Kind::List;
      if (!at(TokenKind::RBracket)) {
        for (;;) {
          e.operands.push_back(parseExpr());
          if (!at(TokenKind::Comma)) break;
          next();
        }
      }
      expect(TokenKind::RBracket, " or ',' in the list");
      return e;
    default:
      fail(t.loc, "expected an expression, got " + describeToken(t));
    }
  }

  void parseArguments(Expr &call) {
    expect(TokenKind::LParen);
    if (at(TokenKind::RParen)) {
      next();
      return;
    }
    for (;;) {
      if (at(TokenKind::Name) && peek(1).kind == TokenKind::Equals) {
        KeywordArg kw;
        Token name = next();
        next();
        kw.name = name.text;
        kw.loc = name.loc;
        kw.value = parseExpr();
        call.keywords.push_back(std::move(kw));
      } else {
        call.operands.push_back(parseExpr());
      }
      if (!at(TokenKind::Comma)) break;
      next();
    }
    expect(TokenKind::RParen, " or ',' in the arguments of " + quoted(call.text));
  }

  const SourceText &source_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  Ast ast_;
};

// ---------------------------------------------------------------------------
// Syntax tree -> graph

// What an identifier stands for: a tensor (a graph value) or, for block
// parameters, possibly an attribute value.
struct Binding {
  bool isTensor = true;
  bool isParam = false;
  ValueId value = -1;
  AttrValue attr;
};

using Scope = std::unordered_map<std::string, Binding>;

// How the nodes of one statement are named: its outermost call gets `base`
// (already reserved when `baseReserved`), nested calls `base.<callee>`.
struct Naming {
  std::string base;
  bool baseReserved = false;
};

size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string modelNameFromFile(const std::string &fileName) {
  if (fileName == "<input>" || fileName.empty()) return "model";
  std::string stem = fileName.substr(fileName.find_last_of('/') + 1);
  if (size_t dot = stem.find_last_of('.'); dot != std::string::npos && dot > 0)
    stem = stem.substr(0, dot);
  for (char &c : stem) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || c == '.')) c = '_';
  }
  if (stem.empty() || std::isdigit(static_cast<unsigned char>(stem[0]))) stem = "_" + stem;
  return stem;
}

const char *describeExpr(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Name:
    return "a name";
  case Expr::Kind::Call:
    return "a call";
  case Expr::Kind::Int:
    return "an integer";
  case Expr::Kind::Float:
    return "a number";
  case Expr::Kind::String:
    return "a string";
  case Expr::Kind::List:
    return "a list";
  case Expr::Kind::Negate:
  case Expr::Kind::Binary:
    return "an arithmetic expression";
  }
  return "an expression";
}

class GraphBuilder {
public:
  GraphBuilder(const SourceText &source, const Ast &ast, const ParseOptions &options)
      : source_(source), ast_(ast), options_(options) {}

  Graph build() {
    checkRecursion();
    graph_.name = ast_.modelName.empty() ? modelNameFromFile(source_.fileName()) : ast_.modelName;
    for (const Statement &s : ast_.statements) {
      switch (s.kind) {
      case Statement::Kind::Input:
        declareInput(s.input);
        break;
      case Statement::Kind::Assign:
        assignTopLevel(s.assign.name, s.assign.value);
        break;
      case Statement::Kind::Output:
        declareOutput(s.output);
        break;
      }
    }
    for (const auto &entry : options_.inputShapes)
      if (!declaredInputs_.count(entry.first))
        throw SourceError(SourceLoc{source_.fileName(), 0, 0},
                          "an input shape is given for " + quoted(entry.first) +
                              ", which is not an input of the model");
    if (graph_.outputs.empty())
      throw SourceError(SourceLoc{source_.fileName(), 0, 0}, "the model has no outputs");
    if (ast_.channelsLastIo) setIoLayout(graph_, Layout::ChannelsLast);
    try {
      verify(graph_);
    } catch (const SourceError &e) {
      source_.fail(e.loc(), e.message());
    }
    return std::move(graph_);
  }

private:
  // Throws with the line quoted and, inside block expansions, the innermost
  // calls that led there.
  [[noreturn]] void fail(const SourceLoc &loc, const std::string &message) const {
    constexpr size_t kShownCalls = 3;
    std::string context;
    for (size_t shown = 0; shown < std::min(kShownCalls, expansions_.size()); ++shown) {
      const auto &[block, callLoc] = expansions_[expansions_.size() - 1 - shown];
      context += std::string(shown ? ", " : " (") + "in block " + quoted(block) + " called at " +
                 callLoc.str();
    }
    if (expansions_.size() > kShownCalls)
      context += ", and " + std::to_string(expansions_.size() - kShownCalls) + " more";
    source_.fail(loc, message + (context.empty() ? "" : context + ")"));
  }

  void countStep(const SourceLoc &loc) {
    if (++steps_ > kMaxSteps)
      fail(loc, "the model takes more than " + std::to_string(kMaxSteps) + " steps to expand");
  }

  // A fresh node name: `base`, else `base_1`, `base_2`, ...
  std::string reserveName(const std::string &base, const SourceLoc &loc) {
    std::string name = base;
    if (usedNames_.count(name)) {
      int &suffix = nextSuffix_[base];
      do
        name = base + "_" + std::to_string(++suffix);
      while (usedNames_.count(name));
    }
    nameBytes_ += name.size() + kNameOverhead;
    if (nameBytes_ > kMaxNameBytes)
      fail(loc,
           "the model's node names take more than " + std::to_string(kMaxNameBytes >> 20) + " MiB");
    usedNames_.insert(name);
    return name;
  }

  std::string nodeName(const Naming &naming, bool outermost, const std::string &callee,
                       const SourceLoc &loc) {
    if (!outermost) return reserveName(naming.base + "." + callee, loc);
    return naming.baseReserved ? naming.base : reserveName(naming.base, loc);
  }

  // Block recursion, found on the call graph before anything is expanded.
  void checkRecursion() const {
    struct Call {
      size_t callee;
      SourceLoc loc;
    };
    std::vector<std::vector<Call>> calls(ast_.blocks.size());
    for (size_t b = 0; b < ast_.blocks.size(); ++b) {
      const BlockDef &block = ast_.blocks[b];
      auto collect = [&](const Expr &root) {
        std::vector<const Expr *> work{&root};
        while (!work.empty()) {
          const Expr *e = work.back();
          work.pop_back();
          if (e->kind == Expr::Kind::Call && !lookupOp(e->text))
            if (auto it = ast_.blockIndex.find(e->text); it != ast_.blockIndex.end())
              calls[b].push_back({it->second, e->loc});
          for (auto it = e->keywords.rbegin(); it != e->keywords.rend(); ++it)
            work.push_back(&it->value);
          for (auto it = e->operands.rbegin(); it != e->operands.rend(); ++it)
            work.push_back(&*it);
        }
      };
      for (const Assignment &a : block.body)
        collect(a.value);
      collect(block.result);
    }
    enum Color { White, Gray, Black };
    std::vector<Color> color(ast_.blocks.size(), White);
    for (size_t root = 0; root < ast_.blocks.size(); ++root) {
      if (color[root] != White) continue;
      std::vector<std::pair<size_t, size_t>> stack{{root, 0}}; // block, next call
      color[root] = Gray;
      while (!stack.empty()) {
        auto &[block, nextCall] = stack.back();
        if (nextCall == calls[block].size()) {
          color[block] = Black;
          stack.pop_back();
          continue;
        }
        const Call &call = calls[block][nextCall++];
        if (color[call.callee] == Gray) {
          std::string cycle;
          bool inCycle = false;
          for (const auto &frame : stack) {
            inCycle = inCycle || frame.first == call.callee;
            if (inCycle) cycle += ast_.blocks[frame.first].name + " -> ";
          }
          source_.fail(call.loc, "recursive block call: " + cycle + ast_.blocks[call.callee].name);
        }
        if (color[call.callee] == White) {
          color[call.callee] = Gray;
          stack.push_back({call.callee, 0});
        }
      }
    }
  }

  void declareInput(const InputDecl &decl) {
    if (declaredInputs_.count(decl.name)) fail(decl.loc, "duplicate input " + quoted(decl.name));
    if (usedNames_.count(decl.name))
      fail(decl.loc, "the name " + quoted(decl.name) + " is already used");
    TensorType type = decl.type;
    if (auto it = options_.inputShapes.find(decl.name); it != options_.inputShapes.end())
      type.shape = it->second;
    try {
      ValueId id = graph_.addInput(decl.name, type, decl.loc);
      usedNames_.insert(decl.name);
      declaredInputs_.insert(decl.name);
      topLevel_[decl.name] = Binding{true, false, id, {}};
    } catch (const SourceError &e) {
      fail(e.loc(), e.message());
    }
  }

  void assignTopLevel(const std::string &name, const Expr &value) {
    topLevel_[name] = evalStatement(value, topLevel_, Naming{name, false});
  }

  void declareOutput(const OutputDecl &decl) {
    if (decl.definition) assignTopLevel(decl.name, *decl.definition);
    auto it = topLevel_.find(decl.name);
    if (it == topLevel_.end()) fail(decl.loc, "undefined value " + quoted(decl.name));
    if (std::find(graph_.outputs.begin(), graph_.outputs.end(), it->second.value) !=
        graph_.outputs.end())
      fail(decl.loc, quoted(decl.name) + " is already an output");
    graph_.outputs.push_back(it->second.value);
  }

  // The right-hand side of `NAME = expr`: a name (an alias) or a call.
  Binding evalStatement(const Expr &e, const Scope &scope, const Naming &naming) {
    if (e.kind == Expr::Kind::Name) {
      auto it = scope.find(e.text);
      if (it == scope.end()) fail(e.loc, "undefined value " + quoted(e.text));
      Binding b = it->second;
      b.isParam = false;
      return b;
    }
    if (e.kind != Expr::Kind::Call)
      fail(e.loc, std::string("expected a call or a value name, got ") + describeExpr(e));
    return Binding{true, false, evalCall(e, scope, naming, true), {}};
  }

  ValueId evalTensor(const Expr &e, const Scope &scope, const Naming &naming) {
    if (e.kind == Expr::Kind::Call) return evalCall(e, scope, naming, false);
    if (e.kind != Expr::Kind::Name)
      fail(e.loc, std::string("expected a tensor, got ") + describeExpr(e));
    auto it = scope.find(e.text);
    if (it == scope.end()) fail(e.loc, "undefined value " + quoted(e.text));
    if (!it->second.isTensor)
      fail(e.loc,
           quoted(e.text) + " is the value " + attrValueStr(it->second.attr) + ", not a tensor");
    return it->second.value;
  }

  ValueId evalCall(const Expr &call, const Scope &scope, const Naming &naming, bool outermost) {
    countStep(call.loc);
    if (const OpInfo *op = lookupOp(call.text))
      return evalOpCall(*op, call, scope, naming, outermost);
    if (auto it = ast_.blockIndex.find(call.text); it != ast_.blockIndex.end())
      return evalBlockCall(ast_.blocks[it->second], call, scope, naming, outermost);
    fail(call.loc, "unknown op " + quoted(call.text) + suggestion(call.text));
  }

  // The closest op or block names to a misspelt callee: ` ; did you mean ...?`.
  std::string suggestion(const std::string &name) const {
    constexpr size_t kMaxNameLength = 64;
    if (name.size() > kMaxNameLength) return "";
    std::vector<std::string> best;
    size_t bestDistance = std::max<size_t>(1, name.size() / 3) + 1;
    auto consider = [&](const std::string &candidate) {
      if (candidate.size() > kMaxNameLength) return;
      size_t d = editDistance(name, candidate);
      if (d < bestDistance) best.clear();
      if (d <= bestDistance) {
        bestDistance = d;
        best.push_back(quoted(candidate));
      }
    };
    for (const OpInfo &op : allOps())
      if (op.kind != OpKind::Input) consider(op.name);
    for (const BlockDef &block : ast_.blocks)
      consider(block.name);
    if (best.empty() || best.size() > 3) return "";
    std::string s = "; did you mean " + best[0];
    for (size_t i = 1; i < best.size(); ++i)
      s += (i + 1 == best.size() ? " or " : ", ") + best[i];
    return s + "?";
  }

  static std::string arityText(const OpInfo &op) {
    if (op.maxInputs < 0) return "at least " + std::to_string(op.minInputs);
    if (op.maxInputs == op.minInputs) return std::to_string(op.minInputs);
    return std::to_string(op.minInputs) + " to " + std::to_string(op.maxInputs);
  }

  ValueId evalOpCall(const OpInfo &op, const Expr &call, const Scope &scope, const Naming &naming,
                     bool outermost) {
    Node node;
    node.name = nodeName(naming, outermost, op.name, call.loc);
    node.op = op.kind;
    node.loc = call.loc;

    int given = static_cast<int>(call.operands.size());
    if (given < op.minInputs || (op.maxInputs >= 0 && given > op.maxInputs)) {
      std::string want = arityText(op);
      const SourceLoc &where = op.maxInputs >= 0 && given > op.maxInputs
                                   ? call.operands[static_cast<size_t>(op.maxInputs)].loc
                                   : call.loc;
      fail(where, op.name + " takes " + want + (want == "1" ? " input" : " inputs") + ", got " +
                      std::to_string(given));
    }
    for (const Expr &arg : call.operands)
      node.inputs.push_back(evalTensor(arg, scope, naming));

    std::vector<std::optional<ValueId>> keywordInputs(op.keywordInputs.size());
    std::unordered_set<std::string> seen;
    for (const KeywordArg &kw : call.keywords) {
      auto input = std::find(op.keywordInputs.begin(), op.keywordInputs.end(), kw.name);
      if (!seen.insert(kw.name).second)
        fail(kw.loc, (input != op.keywordInputs.end() ? "keyword input " : "attribute ") +
                         quoted(kw.name) + " is given twice");
      if (input != op.keywordInputs.end()) {
        keywordInputs[static_cast<size_t>(input - op.keywordInputs.begin())] =
            evalTensor(kw.value, scope, naming);
      } else if (op.findAttr(kw.name)) {
        node.attrs.set(kw.name, evalAttr(kw.value, scope));
      } else {
        std::vector<std::string> valid = op.keywordInputs;
        for (const AttrSpec &spec : op.attrs)
          valid.push_back(spec.name);
        fail(kw.loc, "unknown attribute " + quoted(kw.name) + " for " + op.name +
                         (valid.empty() ? "; it takes none" : "; valid: " + joined(valid)));
      }
    }
    for (const auto &input : keywordInputs)
      if (input) node.inputs.push_back(*input);

    if (graph_.nodes.size() >= kMaxNodes)
      fail(call.loc, "the model expands to more than " + std::to_string(kMaxNodes) + " nodes");
    try {
      return graph_.addNode(std::move(node));
    } catch (const SourceError &e) {
      fail(e.loc(), e.message());
    } catch (const Error &e) {
      fail(call.loc, e.what());
    }
  }

  ValueId evalBlockCall(const BlockDef &block, const Expr &call, const Scope &scope,
                        const Naming &naming, bool outermost) {
    if (expansions_.size() >= kMaxBlockDepth)
      fail(call.loc, "blocks are nested more than " + std::to_string(kMaxBlockDepth) + " deep");
    std::string prefix = nodeName(naming, outermost, block.name, call.loc);

    Scope inner;
    auto bind = [&](size_t param, Binding b) {
      b.isParam = true;
      inner[block.params[param].name] = std::move(b);
    };
    if (call.operands.size() > block.params.size())
      fail(call.operands[block.params.size()].loc,
           "block " + quoted(block.name) + " takes " + std::to_string(block.params.size()) +
               (block.params.size() == 1 ? " argument" : " arguments") + ", got " +
               std::to_string(call.operands.size()));
    for (size_t i = 0; i < call.operands.size(); ++i)
      bind(i, evalArgument(call.operands[i], scope, naming, true));
    for (const KeywordArg &kw : call.keywords) {
      auto param = std::find_if(block.params.begin(), block.params.end(),
                                [&](const Param &p) { return p.name == kw.name; });
      if (param == block.params.end()) {
        std::vector<std::string> names;
        for (const Param &p : block.params)
          names.push_back(p.name);
        fail(kw.loc, "block " + quoted(block.name) + " has no parameter " + quoted(kw.name) +
                         (names.empty() ? "" : "; parameters: " + joined(names)));
      }
      if (inner.count(kw.name))
        fail(kw.loc, "parameter " + quoted(kw.name) + " of block " + quoted(block.name) +
                         " is bound twice");
      bind(static_cast<size_t>(param - block.params.begin()),
           evalArgument(kw.value, scope, naming, false));
    }
    for (const Param &p : block.params)
      if (!inner.count(p.name))
        fail(call.loc,
             "parameter " + quoted(p.name) + " of block " + quoted(block.name) + " is not bound");

    expansions_.emplace_back(block.name, call.loc);
    for (const Assignment &a : block.body) {
      countStep(a.loc);
      inner[a.name] = evalStatement(a.value, inner, Naming{prefix + "." + a.name, false});
    }
    Binding result = evalStatement(block.result, inner, Naming{prefix, true});
    if (!result.isTensor)
      fail(block.result.loc, "block " + quoted(block.name) + " returns the value " +
                                 attrValueStr(result.attr) + ", not a tensor");
    expansions_.pop_back();
    return result.value;
  }

  // An argument of a block call: a tensor or an attribute value, whichever
  // it denotes in the caller.
  Binding evalArgument(const Expr &e, const Scope &scope, const Naming &naming, bool positional) {
    if (e.kind == Expr::Kind::Call) return Binding{true, false, evalTensor(e, scope, naming), {}};
    if (e.kind == Expr::Kind::Name) {
      if (auto it = scope.find(e.text); it != scope.end()) return it->second;
      if (positional && e.text != "true" && e.text != "false")
        fail(e.loc, "undefined value " + quoted(e.text));
    }
    return Binding{false, false, -1, evalAttr(e, scope)};
  }

  // An attribute value, handed to the graph as written (Graph::addNode
  // normalises it against the op's schema).
  AttrValue evalAttr(const Expr &e, const Scope &scope) const {
    switch (e.kind) {
    case Expr::Kind::Int:
      return e.intValue;
    case Expr::Kind::Float:
      return e.floatValue;
    case Expr::Kind::String:
      return e.text;
    case Expr::Kind::Name:
      return evalAttrName(e, scope);
    case Expr::Kind::List:
      return evalList(e, scope);
    case Expr::Kind::Negate: {
      AttrValue v = evalAttr(e.operands[0], scope);
      if (auto *d = std::get_if<double>(&v)) return -*d;
      int64_t i = integerOperand(e.operands[0], v);
      if (i == std::numeric_limits<int64_t>::min()) fail(e.loc, "integer overflow in '-'");
      return -i;
    }
    case Expr::Kind::Binary:
      return evalArithmetic(e, scope);
    case Expr::Kind::Call:
      break;
    }
    fail(e.loc, "expected an attribute value, got a call of " + quoted(e.text));
  }

  AttrValue evalAttrName(const Expr &e, const Scope &scope) const {
    if (e.text == "true") return true;
    if (e.text == "false") return false;
    if (auto it = scope.find(e.text); it != scope.end() && it->second.isParam) {
      if (it->second.isTensor)
        fail(e.loc, "block parameter " + quoted(e.text) +
                        " is a tensor and cannot be used as an attribute value");
      return it->second.attr;
    }
    if (e.text == "inf") return std::numeric_limits<double>::infinity();
    if (e.text == "nan") return std::numeric_limits<double>::quiet_NaN();
    return e.text;
  }

  AttrValue evalList(const Expr &e, const Scope &scope) const {
    std::vector<int64_t> ints;
    std::vector<double> floats;
    bool anyFloat = false;
    for (const Expr &element : e.operands) {
      AttrValue v = evalAttr(element, scope);
      if (auto *i = std::get_if<int64_t>(&v)) {
        ints.push_back(*i);
        floats.push_back(static_cast<double>(*i));
      } else if (auto *d = std::get_if<double>(&v)) {
        anyFloat = true;
        floats.push_back(*d);
      } else {
        fail(element.loc, "list elements must be numbers, got " + attrValueStr(v));
      }
    }
    if (anyFloat) return floats;
    return ints;
  }

  int64_t integerOperand(const Expr &operand, const AttrValue &v) const {
    if (auto *i = std::get_if<int64_t>(&v)) return *i;
    fail(operand.loc, "arithmetic needs integers, got " + attrValueStr(v));
  }

  AttrValue evalArithmetic(const Expr &e, const Scope &scope) const {
    int64_t a = integerOperand(e.operands[0], evalAttr(e.operands[0], scope));
    int64_t b = integerOperand(e.operands[1], evalAttr(e.operands[1], scope));
    int64_t r = 0;
    bool overflow = false;
    switch (e.binaryOp) {
    case '+':
      overflow = __builtin_add_overflow(a, b, &r);
      break;
    case '-':
      overflow = __builtin_sub_overflow(a, b, &r);
      break;
    case '*':
      overflow = __builtin_mul_overflow(a, b, &r);
      break;
    default:
      if (b == 0) fail(e.loc, "division by zero");
      overflow = a == std::numeric_limits<int64_t>::min() && b == -1;
      if (!overflow) r = a / b;
      break;
    }
    if (overflow) fail(e.loc, std::string("integer overflow in '") + e.binaryOp + "'");
    return r;
  }

  const SourceText &source_;
  const Ast &ast_;
  const ParseOptions &options_;
  Graph graph_;
  Scope topLevel_;
  std::unordered_set<std::string> usedNames_;
  std::unordered_map<std::string, int> nextSuffix_;
  std::unordered_set<std::string> declaredInputs_;
  std::vector<std::pair<std::string, SourceLoc>> expansions_; // block, call site
  int64_t steps_ = 0;
  size_t nameBytes_ = 0;
};

} // namespace

Graph parseModel(const std::string &text, const std::string &fileName,
                 const ParseOptions &options) {
  SourceText source(text, fileName);
  Ast ast = SyntaxParser(source, tokenize(source)).parseFile();
  return GraphBuilder(source, ast, options).build();
}

Graph parseModelFile(const std::string &path, const ParseOptions &options) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open '" + path + "': " + std::strerror(errno));
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    text.append(buf, n);
  bool failed = std::ferror(f);
  int err = errno;
  std::fclose(f);
  if (failed) throw Error("cannot read '" + path + "': " + std::strerror(err));
  return parseModel(text, path, options);
}

} // namespace atrous
