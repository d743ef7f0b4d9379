/** @file tickets.h
 *  @brief What a ticket must contain, checked field by field so a form can
 *  show each message next to its field.
 */
#pragma once

#include <map>
#include <string>

namespace kb {

inline constexpr std::size_t kMaxSubjectChars = 200;
inline constexpr std::size_t kMaxDescriptionChars = 20000;

struct TicketInput {
  std::string subject;
  std::string description;
  std::string email;
};

/// Why a field was refused. Pages show the UI string "ticket_error_" +
/// @c code in their language, with "{limit}" filled from @c limit; the
/// JSON API answers with the English @c message.
struct FieldProblem {
  std::string code;
  std::string message;
  std::size_t limit = 0;
};

/// Field name -> problem, empty when the input is acceptable. Counts
/// characters, not bytes; trims the subject and e-mail. Fields must be
/// UTF-8 without control characters (the description may have tabs and
/// line breaks; the subject's become spaces).
std::map<std::string, FieldProblem> validate_ticket(TicketInput& input);

/// A pragmatic address check: one '@', a non-empty local part, a domain
/// with a dot and no spaces, at most 254 bytes.
bool is_valid_email(const std::string& email);

/// "jane.doe@example.com" -> "j***@example.com", for logs.
std::string mask_email(const std::string& email);

}  // namespace kb
