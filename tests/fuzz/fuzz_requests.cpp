/** @file fuzz_requests.cpp
 *  @brief libFuzzer target: ticket and feedback request bodies, as JSON
 *  (POST /api/tickets, /api/feedback) and as form bodies (POST /tickets,
 *  /feedback), decoded and validated the way kb-server does.
 *
 *  Properties: parsing never throws (a bad body is a 400, decided by the
 *  handler); validation leaves only valid UTF-8 in accepted fields;
 *  mask_email never gives back the whole address; every reply built from
 *  the fields can be serialised.
 */
#include "fuzz_input.h"

#include "http_util.h"
#include "kb/text.h"
#include "kb/tickets.h"

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void check_ticket(kb::TicketInput input) {
  const std::string original_email = input.email;
  const auto errors = kb::validate_ticket(input);
  for (const std::string* field : {&input.subject, &input.description, &input.email}) {
    if (!kb::is_valid_utf8(*field)) kb::fuzz::fail("validated ticket field is not UTF-8");
  }
  if (errors.empty()) {
    if (input.subject.empty() || !kb::is_valid_email(input.email)) kb::fuzz::fail("accepted an incomplete ticket");
    if (kb::utf8_length(input.subject) > kb::kMaxSubjectChars) kb::fuzz::fail("accepted an overlong subject");
  }
  // A masked address shows at most one character before the '@', and is
  // text whenever the address was (it goes into log lines).
  const std::string masked = kb::mask_email(original_email);
  const std::size_t at = masked.find('@');
  if (at != std::string::npos && kb::utf8_length(masked.substr(0, at)) > 4) kb::fuzz::fail("mask_email kept the address");
  if (kb::is_valid_utf8(original_email) && !kb::is_valid_utf8(masked)) kb::fuzz::fail("mask_email broke UTF-8");
  json reply = json::object();
  for (const auto& [field, problem] : errors) reply[field] = problem.message;
  reply["subject"] = input.subject;
  dump(reply);
}

/// POST /api/tickets and /api/feedback: the same reading of the JSON body.
void json_body(std::string_view body) {
  const json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object()) return;  // 400
  kb::TicketInput input;
  for (const auto& [field, target] :
       {std::pair<const char*, std::string*>{"subject", &input.subject}, {"description", &input.description},
        {"email", &input.email}}) {
    if (parsed.contains(field) && parsed[field].is_string()) *target = parsed[field].get<std::string>();
  }
  check_ticket(input);
  if (parsed.contains("comment") && parsed["comment"].is_string()) {
    const std::string comment = parsed["comment"].get<std::string>();
    if (kb::is_valid_utf8(comment)) kb::utf8_length(comment);
  }
  if (parsed.contains("slug") && parsed["slug"].is_string()) dump(json{{"slug", parsed["slug"]}});
  dump(parsed);
}

/// POST /tickets and /feedback: application/x-www-form-urlencoded.
void form_body(std::string_view body) {
  const auto form = kb::server::QueryParams::from_form(body);
  check_ticket(kb::TicketInput{form.get("subject"), form.get("description"), form.get("email")});
  const std::string comment = form.get("comment");
  if (kb::is_valid_utf8(comment)) kb::utf8_length(comment);
  kb::url_encode(form.get("slug"));
  // Cookies come from the same kind of text.
  httplib::Request req;
  req.set_header("Cookie", std::string(body.substr(0, body.find_first_of("\r\n"))));
  kb::server::cookie(req, "kb_session");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = kb::fuzz::as_text(data, size);
  json_body(body);
  form_body(body);
  return 0;
}
