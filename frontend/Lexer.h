// Tokens of the .atr text format and the source text they come from. The
// lexer accepts any bytes: anything that is not part of the language becomes
// a SourceError pointing at it, never undefined behaviour.
#pragma once

#include <string>
#include <vector>

#include "ir/SourceLoc.h"

namespace atrous {

enum class TokenKind {
  Name,   // [A-Za-z_][A-Za-z0-9_.]*, keywords included
  Int,    // decimal digits; converted (and range-checked) by the parser
  Float,  // digits with a fraction or an exponent
  String, // "...", text holds the contents without quotes
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Equals,
  Colon,
  Plus,
  Minus,
  Star,
  Slash,
  End,
};

// How a token kind is named in error messages: "'('", "a name", "end of file".
std::string tokenKindDescription(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  SourceLoc loc;
};

// A model's text and file name, for locations and for the line a
// diagnostic quotes.
class SourceText {
public:
  SourceText(std::string text, std::string fileName);

  const std::string &text() const { return text_; }
  const std::string &fileName() const { return fileName_; }
  SourceLoc loc(int line, int col) const { return SourceLoc{fileName_, line, col}; }
  // Line `line` (1-based) with unprintable bytes shown as '?', so that the
  // caret under it stays aligned; empty when out of range.
  std::string lineText(int line) const;
  // Throws SourceError(loc, message, the quoted line).
  [[noreturn]] void fail(const SourceLoc &loc, const std::string &message) const;

private:
  std::string text_;
  std::string fileName_;
  std::vector<size_t> lineStarts_;
};

// Splits the whole text into tokens, ending with one End token. Comments
// (`#` to the end of the line) and whitespace are dropped.
std::vector<Token> tokenize(const SourceText &source);

} // namespace atrous
