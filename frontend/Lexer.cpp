// The .atr lexer: one pass over the bytes, tracking line and column (in
// bytes) for every token.
#include "frontend/Lexer.h"

#include <cstdio>

#include "ir/Error.h"

namespace atrous {

namespace {

bool isNameStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool isNameChar(unsigned char c) {
  return isNameStart(c) || isDigit(c) || c == '.';
}
bool isSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string describeByte(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", c);
  return std::string("byte ") + buf;
}

TokenKind punctuation(unsigned char c) {
  switch (c) {
  case '(':
    return TokenKind::LParen;
  case ')':
    return TokenKind::RParen;
  case '[':
    return TokenKind::LBracket;
  case ']':
    return TokenKind::RBracket;
  case '{':
    return TokenKind::LBrace;
  case '}':
    return TokenKind::RBrace;
  case ',':
    return TokenKind::Comma;
  case '=':
    return TokenKind::Equals;
  case ':':
    return TokenKind::Colon;
  case '+':
    return TokenKind::Plus;
  case '-':
    return TokenKind::Minus;
  case '*':
    return TokenKind::Star;
  case '/':
    return TokenKind::Slash;
  default:
    return TokenKind::End;
  }
}

} // namespace

std::string tokenKindDescription(TokenKind kind) {
  switch (kind) {
  case TokenKind::Name:
    return "a name";
  case TokenKind::Int:
    return "an integer";
  case TokenKind::Float:
    return "a number";
  case TokenKind::String:
    return "a string";
  case TokenKind::LParen:
    return "'('";
  case TokenKind::RParen:
    return "')'";
  case TokenKind::LBracket:
    return "'['";
  case TokenKind::RBracket:
    return "']'";
  case TokenKind::LBrace:
    return "'{'";
  case TokenKind::RBrace:
    return "'}'";
  case TokenKind::Comma:
    return "','";
  case TokenKind::Equals:
    return "'='";
  case TokenKind::Colon:
    return "':'";
  case TokenKind::Plus:
    return "'+'";
  case TokenKind::Minus:
    return "'-'";
  case TokenKind::Star:
    return "'*'";
  case TokenKind::Slash:
    return "'/'";
  case TokenKind::End:
    return "end of file";
  }
  return "a token";
}

SourceText::SourceText(std::string text, std::string fileName)
    : text_(std::move(text)), fileName_(std::move(fileName)) {
  lineStarts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') lineStarts_.push_back(i + 1);
}

std::string SourceText::lineText(int line) const {
  if (line < 1 || static_cast<size_t>(line) > lineStarts_.size()) return "";
  size_t begin = lineStarts_[static_cast<size_t>(line - 1)];
  size_t end = text_.find('\n', begin);
  if (end == std::string::npos) end = text_.size();
  std::string s = text_.substr(begin, end - begin);
  if (!s.empty() && s.back() == '\r') s.pop_back();
  for (char &c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u == '\t')
      c = ' ';
    else if (u < 0x20 || u >= 0x7f)
      c = '?';
  }
  return s;
}

void SourceText::fail(const SourceLoc &loc, const std::string &message) const {
  throw SourceError(loc, message, loc.file == fileName_ ? lineText(loc.line) : "");
}

std::vector<Token> tokenize(const SourceText &source) {
  const std::string &s = source.text();
  std::vector<Token> tokens;
  size_t i = 0;
  int line = 1;
  size_t lineStart = 0;
  auto here = [&](size_t pos) { return source.loc(line, static_cast<int>(pos - lineStart) + 1); };
  auto at = [&](size_t pos) { return pos < s.size() ? static_cast<unsigned char>(s[pos]) : 0; };

  while (i < s.size()) {
    unsigned char c = at(i);
    if (c == '\n') {
      ++i;
      ++line;
      lineStart = i;
      continue;
    }
    if (isSpace(c)) {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < s.size() && s[i] != '\n')
        ++i;
      continue;
    }
    Token tok;
    tok.loc = here(i);
    size_t start = i;
    if (isNameStart(c)) {
      while (i < s.size() && isNameChar(at(i)))
        ++i;
      tok.kind = TokenKind::Name;
      tok.text = s.substr(start, i - start);
    } else if (isDigit(c)) {
      tok.kind = TokenKind::Int;
      while (i < s.size() && isDigit(at(i)))
        ++i;
      if (at(i) == '.' && isDigit(at(i + 1))) {
        tok.kind = TokenKind::Float;
        ++i;
        while (i < s.size() && isDigit(at(i)))
          ++i;
      }
      if (at(i) == 'e' || at(i) == 'E') {
        size_t e = i + 1;
        if (at(e) == '+' || at(e) == '-') ++e;
        if (isDigit(at(e))) {
          tok.kind = TokenKind::Float;
          i = e;
          while (i < s.size() && isDigit(at(i)))
            ++i;
        }
      }
      if (isNameChar(at(i)))
        source.fail(here(start), "malformed number '" + s.substr(start, i - start + 1) + "'");
      tok.text = s.substr(start, i - start);
    } else if (c == '"') {
      ++i;
      while (i < s.size() && s[i] != '"' && s[i] != '\n') {
        if (at(i) < 0x20 && at(i) != '\t')
          source.fail(here(i), "unexpected " + describeByte(at(i)) + " in string");
        ++i;
      }
      if (i >= s.size() || s[i] != '"') source.fail(tok.loc, "unterminated string");
      tok.kind = TokenKind::String;
      tok.text = s.substr(start + 1, i - start - 1);
      ++i;
    } else if (punctuation(c) != TokenKind::End) {
      tok.kind = punctuation(c);
      tok.text = std::string(1, static_cast<char>(c));
      ++i;
    } else {
      source.fail(tok.loc, "unexpected " + describeByte(c));
    }
    tokens.push_back(std::move(tok));
  }
  Token end;
  end.kind = TokenKind::End;
  end.loc = here(i);
  tokens.push_back(std::move(end));
  return tokens;
}

} // namespace atrous
