/** @file error_tokens.test.cpp
 *  @brief What counts as an exact identifier, and what does not.
 */
#include "kb/error_tokens.h"

#include <catch2/catch.hpp>

using namespace kb;
using Tokens = std::vector<std::string>;

TEST_CASE("identifiers people paste are found, lower-cased", "[error_tokens]") {
  struct Row {
    const char* text;
    Tokens tokens;
  };
  const Row rows[] = {
      {"Installation failed with error 0x80070005 (access denied).", {"0x80070005"}},
      {"This site can't be reached: ERR_NAME_NOT_RESOLVED", {"err_name_not_resolved"}},
      {"Run ipconfig /flushdns then ping again", {"/flushdns"}},
      {"Unhandled System.NullReferenceException in app", {"system.nullreferenceexception"}},
      {"java.lang.OutOfMemoryError: Java heap space", {"java.lang.outofmemoryerror"}},
      {"Check C:\\Windows\\System32\\drivers\\etc\\hosts and /var/log/syslog", {"c:\\windows\\system32\\drivers\\etc\\hosts", "/var/log/syslog"}},
      {"Upgrade to 2.14.1 (CVE-2021-44228), see KB5005565", {"2.14.1", "cve-2021-44228", "kb5005565"}},
      {"MSI returned error 1603; Event ID 41 logged", {"code:1603", "code:41"}},
      {"HRESULT=0x80004005", {"0x80004005"}},
      {"apt-get install --no-install-recommends curl", {"--no-install-recommends"}},
      // As dialogs and support pages also write them.
      {"The update failed with 80070005.", {"0x80070005"}},
      {"Faulting exception code c0000005", {"0xc0000005"}},
      {"Install KB 2117917 first", {"kb2117917"}},
      {"Run Get-ADUser -Identity jdoe, then test-netconnection", {"get-aduser", "test-netconnection"}},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    CHECK(error_tokens(row.text) == row.tokens);
  }
}

TEST_CASE("ordinary prose yields nothing", "[error_tokens]") {
  CHECK(error_tokens("How do I reset my password on a Windows PC? It is 2026 and version 2 broke.").empty());
  CHECK(error_tokens("Use A_B? No: _x_ and HTTP/1.1 and 10/20 and a/b").empty());
  CHECK(error_tokens("0x12 is short; -x is short").empty());
  // Eight digits that are no failure code, words with a hyphen that are no
  // command, and a KB with too short a number.
  CHECK(error_tokens("Call 12345678 or 01234567 to set up a sign-in or log-in; KB 12").empty());
  CHECK(error_tokens("deadbeef and facefeed are words in hex, not codes").empty());
}

TEST_CASE("a pasted multi-line log keeps every identifier once", "[error_tokens]") {
  const std::string log =
      "2026-11-02 10:14:03 ERROR [svc] Connection failed: DNS_PROBE_FINISHED_NXDOMAIN\n"
      "2026-11-02 10:14:04 ERROR [svc] retry 1 failed: DNS_PROBE_FINISHED_NXDOMAIN\n"
      "    at System.Net.Dns.GetHostEntry (System.Net.Sockets.SocketException)\n";
  CHECK(error_tokens(log) == Tokens{"dns_probe_finished_nxdomain", "system.net.sockets.socketexception"});
}
