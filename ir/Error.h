// Errors that reach users. The compiler reports bad input by throwing one of
// these; tools catch them at the top and print the message. Nothing here
// aborts: a malformed model must never take the process down.
#pragma once

#include <stdexcept>
#include <string>

#include "ir/SourceLoc.h"

namespace atrous {

// Any user-facing error; what() is the full message.
class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

// An error tied to a place in a source file. what() reads
// "file:line:col: error: message" followed by the source line and a caret
// when the text is known.
class SourceError : public Error {
public:
  SourceError(SourceLoc loc, const std::string &message, const std::string &snippet = "");

  const SourceLoc &loc() const { return loc_; }
  const std::string &message() const { return message_; }

private:
  SourceLoc loc_;
  std::string message_;
};

} // namespace atrous
