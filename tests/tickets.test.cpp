/** @file tickets.test.cpp
 *  @brief Ticket field validation.
 */
#include "kb/tickets.h"

#include <catch2/catch.hpp>

using namespace kb;

TEST_CASE("valid tickets pass and are tidied", "[tickets]") {
  TicketInput in{"  VPN   drops  ", "It drops every 10 minutes.", " jane@example.com "};
  CHECK(validate_ticket(in).empty());
  CHECK(in.subject == "VPN drops");
  CHECK(in.email == "jane@example.com");
}

TEST_CASE("each field has its own message", "[tickets]") {
  TicketInput empty{"", "", ""};
  const auto e = validate_ticket(empty);
  CHECK(e.at("subject").message == "Please give your ticket a subject.");
  CHECK(e.at("email").message == "Please give an e-mail address so we can answer you.");
  CHECK_FALSE(e.count("description"));  // a description is optional

  TicketInput long_one{std::string(201, 'x'), std::string(20001, 'y'), "not-an-address"};
  const auto l = validate_ticket(long_one);
  CHECK(l.at("subject").message == "The subject is longer than 200 characters.");
  CHECK(l.at("description").message == "The description is longer than 20000 characters.");
  CHECK(l.at("email").message == "This does not look like an e-mail address.");
  // Pages translate by code; the limit fills the translation's "{limit}".
  CHECK(e.at("subject").code == "subject_missing");
  CHECK(l.at("subject").code == "subject_too_long");
  CHECK(l.at("subject").limit == 200);
  CHECK(l.at("email").code == "email_invalid");

  // 200 Korean characters are 600 bytes, and still fit.
  std::string ko;
  for (int i = 0; i < 200; ++i) ko += "가";
  TicketInput korean{ko, "", "a@b.kr"};
  CHECK(validate_ticket(korean).empty());
  TicketInput bad_utf8{"ok", "\xff", "a@b.co"};
  CHECK(validate_ticket(bad_utf8).at("description").message == "contains bytes that are not text (invalid UTF-8)");
}

TEST_CASE("control characters are refused: they would go raw into the tickets CSV", "[tickets]") {
  TicketInput nul{std::string("VPN\0drops", 9), "", "a@b.co"};
  const auto e = validate_ticket(nul);
  REQUIRE(e.count("subject"));
  CHECK(e.at("subject").code == "not_text");
  CHECK(e.at("subject").message == "contains control characters (such as NUL), which are not text");
  for (const std::string& description : {std::string("a\x01" "b"), std::string("a\x7f"), std::string("a\0b", 3),
                                         std::string("a\xc2\x85" "b")}) {
    TicketInput in{"VPN drops", description, "a@b.co"};
    CHECK(validate_ticket(in).count("description"));
  }
  // Lines and tabs are what a description is made of (browsers send CR LF).
  TicketInput text{"VPN\tdrops", "Step 1:\r\n\tclick\nStep 2", "a@b.co"};
  CHECK(validate_ticket(text).empty());
  CHECK(text.subject == "VPN drops");
}

TEST_CASE("e-mail addresses", "[tickets]") {
  for (const char* ok : {"a@b.co", "first.last+tag@sub.example.org", "용@example.kr"}) CHECK(is_valid_email(ok));
  for (const char* bad : {"", "a", "a@", "@b.co", "a@b", "a@@b.co", "a b@c.co", "a@b..co", "a@b.co.", "<a@b.co>",
                          "a@b.co\r\nBcc: x@y.z"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_email(bad));
  }
  CHECK(mask_email("jane.doe@example.com") == "j***@example.com");
}

// Found by fuzz_requests: the mask kept only the first byte of a
// multi-byte first character, so the log line was invalid UTF-8.
TEST_CASE("a masked address keeps its first character whole", "[tickets][fuzz]") {
  CHECK(mask_email("\xC3\xA9ric@ex.com") == "\xC3\xA9***@ex.com");
  CHECK(mask_email("용@example.kr") == "용***@example.kr");
  CHECK(mask_email("\xF0\x9F\x98\x80x@ex.com") == "\xF0\x9F\x98\x80***@ex.com");
  CHECK(mask_email("no-at-sign") == "***");
}
