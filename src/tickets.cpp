/** @file tickets.cpp
 *  @brief Ticket field validation.
 */
#include "kb/tickets.h"

#include "kb/text.h"

namespace kb {

bool is_valid_email(const std::string& email) {
  if (email.empty() || email.size() > 254) return false;
  const std::size_t at = email.find('@');
  if (at == 0 || at == std::string::npos || email.find('@', at + 1) != std::string::npos) return false;
  const std::string domain = email.substr(at + 1);
  const std::size_t dot = domain.find('.');
  if (domain.empty() || dot == std::string::npos || dot == 0 || domain.back() == '.' ||
      domain.find("..") != std::string::npos) {
    return false;
  }
  for (char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == '\\') return false;
  }
  return true;
}

std::string mask_email(const std::string& email) {
  const std::size_t at = email.find('@');
  if (at == std::string::npos || at == 0) return "***";
  // The whole first character, not its first byte: a log line must stay
  // valid UTF-8 ("éric@..." -> "é***@...").
  std::size_t first = 1;
  while (first < at && (static_cast<unsigned char>(email[first]) & 0xC0u) == 0x80u) ++first;
  return email.substr(0, first) + "***" + email.substr(at);
}

namespace {

/// Whether @p text (valid UTF-8) holds a C0 or C1 control character or
/// DEL; with @p lines, tabs and line breaks (CR LF, as browsers send a
/// text area's lines) are text.
bool has_control_characters(const std::string& text, bool lines) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (lines && (u == '\t' || u == '\n' || u == '\r')) continue;
    if (u < 0x20 || u == 0x7f) return true;
    // U+0080..U+009F are C2 80..C2 9F in UTF-8.
    if (u == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f) return true;
  }
  return false;
}

}  // namespace

std::map<std::string, FieldProblem> validate_ticket(TicketInput& input) {
  std::map<std::string, FieldProblem> errors;
  input.subject = collapse_whitespace(input.subject);
  input.email = std::string(trim(input.email));
  for (auto* field : {&input.subject, &input.description, &input.email}) {
    const char* name = field == &input.subject ? "subject" : field == &input.email ? "email" : "description";
    if (!is_valid_utf8(*field)) {
      *field = "";
      errors[name] = FieldProblem{"not_text", "contains bytes that are not text (invalid UTF-8)"};
    } else if (has_control_characters(*field, field == &input.description)) {
      // A NUL or an escape would reach the help desk, logs and the tickets
      // CSV as it is. The subject's tabs and line breaks are spaces by now.
      errors[name] = FieldProblem{"not_text", "contains control characters (such as NUL), which are not text"};
    }
  }
  if (!errors.count("subject")) {
    if (input.subject.empty()) {
      errors["subject"] = FieldProblem{"subject_missing", "Please give your ticket a subject."};
    } else if (utf8_length(input.subject) > kMaxSubjectChars) {
      errors["subject"] = FieldProblem{"subject_too_long",
                                       "The subject is longer than " + std::to_string(kMaxSubjectChars) + " characters.",
                                       kMaxSubjectChars};
    }
  }
  if (!errors.count("description") && utf8_length(input.description) > kMaxDescriptionChars) {
    errors["description"] = FieldProblem{
        "description_too_long", "The description is longer than " + std::to_string(kMaxDescriptionChars) + " characters.",
        kMaxDescriptionChars};
  }
  if (!errors.count("email")) {
    if (input.email.empty()) {
      errors["email"] = FieldProblem{"email_missing", "Please give an e-mail address so we can answer you."};
    } else if (!is_valid_email(input.email)) {
      errors["email"] = FieldProblem{"email_invalid", "This does not look like an e-mail address."};
    }
  }
  return errors;
}

}  // namespace kb
