/** @file error_tokens.cpp
 *  @brief A single pass over whitespace-separated chunks, each classified
 *  by cheap character tests.
 */
#include "kb/error_tokens.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace kb {

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// Trims the punctuation prose wraps around a token ("(0x80070005).").
std::string_view strip(std::string_view s) {
  const std::string_view lead = "([{<'\"`*";
  const std::string_view trail = ")]}>'\"`*.,;:!?";
  while (!s.empty() && lead.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && trail.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

bool is_hex_code(std::string_view s) {
  if (s.size() < 6 || s.size() > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  return std::all_of(s.begin() + 2, s.end(), is_hex);
}

/// ERR_NAME_NOT_RESOLVED, STATUS_ACCESS_DENIED, E_ACCESSDENIED
bool is_symbolic_name(std::string_view s) {
  if (s.size() < 4 || s.size() > 80 || !is_upper(s[0]) || s.find('_') == std::string_view::npos) return false;
  if (s.back() == '_') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_upper(c) || is_digit(c) || c == '_'; });
}

/// System.NullReferenceException, java.lang.OutOfMemoryError
bool is_exception_name(std::string_view s) {
  if (s.find('.') == std::string_view::npos || s.size() > 120) return false;
  const bool ends = (s.size() > 9 && s.substr(s.size() - 9) == "Exception") || (s.size() > 5 && s.substr(s.size() - 5) == "Error");
  if (!ends || !is_alpha(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_'; });
}

/// C:\Windows\System32\drivers, %SystemRoot%\Temp
bool is_windows_path(std::string_view s) {
  if (s.size() >= 4 && is_alpha(s[0]) && s[1] == ':' && s[2] == '\\') return true;
  return s.size() > 3 && s[0] == '%' && s.find("%\\") != std::string_view::npos;
}

/// /var/log/syslog, /etc/ssl/certs (at least two segments)
bool is_unix_path(std::string_view s) {
  if (s.size() < 4 || s[0] != '/' || std::count(s.begin(), s.end(), '/') < 2 || s.find("//") != std::string_view::npos) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '-' || c == '_';
  });
}

/// /flushdns, /scannow, --force, -Name (a switch of a command)
bool is_switch(std::string_view s) {
  std::size_t i = 0;
  if (s.size() >= 4 && s[0] == '/') {
    i = 1;
  } else if (s.size() >= 4 && s[0] == '-' && s[1] == '-') {
    i = 2;
  } else {
    return false;
  }
  if (!is_alpha(s[i])) return false;
  return std::all_of(s.begin() + static_cast<long>(i), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

/// 1.2.3, 10.0.19045.2364
bool is_version(std::string_view s) {
  int dots = 0;
  bool digit_run = false;
  for (char c : s) {
    if (is_digit(c)) {
      digit_run = true;
    } else if (c == '.' && digit_run) {
      ++dots;
      digit_run = false;
    } else {
      return false;
    }
  }
  return dots >= 2 && digit_run && s.size() <= 30;
}

/// KB5005565, CVE-2021-44228
bool is_advisory(std::string_view s) {
  if (s.size() >= 8 && (s[0] == 'K' || s[0] == 'k') && (s[1] == 'B' || s[1] == 'b')) {
    return s.size() <= 10 && std::all_of(s.begin() + 2, s.end(), is_digit);
  }
  if (s.size() >= 13 && lower(s.substr(0, 4)) == "cve-") {
    return std::all_of(s.begin() + 4, s.end(), [](char c) { return is_digit(c) || c == '-'; });
  }
  return false;
}

bool is_number(std::string_view s) { return !s.empty() && s.size() <= 10 && std::all_of(s.begin(), s.end(), is_digit); }

/// 80070005, C0000005: an HRESULT or NTSTATUS failure code as some logs and
/// dialogs print it, without "0x". Eight hex digits with the failure bit
/// set (8-F first) and at least one digit: rarely anything else.
bool is_bare_failure_code(std::string_view s) {
  if (s.size() != 8 || !std::all_of(s.begin(), s.end(), is_hex) || !std::any_of(s.begin(), s.end(), is_digit)) return false;
  const char first = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return (first >= '8' && first <= '9') || (first >= 'a' && first <= 'f');
}

/// Get-ADUser, Set-ExecutionPolicy, test-netconnection: a PowerShell
/// command, Verb-Noun with one of PowerShell's verbs. Split at the hyphen,
/// "Get-ADUser" would match every article that says "get".
bool is_cmdlet(std::string_view s) {
  const std::size_t dash = s.find('-');
  if (dash == std::string_view::npos || dash < 2 || s.size() - dash - 1 < 3 || s.size() > 60) return false;
  const std::string_view noun = s.substr(dash + 1);
  if (!is_alpha(noun[0]) || !std::all_of(noun.begin(), noun.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
    return false;
  }
  static const std::set<std::string, std::less<>> verbs = {
      "add", "approve", "backup", "block", "checkpoint", "clear", "compare", "compress", "confirm", "connect", "convert",
      "convertfrom", "convertto", "copy", "debug", "disable", "disconnect", "dismount", "enable", "enter", "exit",
      "expand", "export", "find", "format", "get", "grant", "import", "initialize", "install", "invoke", "measure",
      "mount", "move", "new", "optimize", "out", "publish", "read", "register", "remove", "rename", "repair", "request",
      "reset", "resize", "resolve", "restart", "restore", "resume", "revoke", "save", "search", "select", "send", "set",
      "show", "start", "stop", "suspend", "sync", "test", "unblock", "uninstall", "unlock", "unregister", "update",
      "wait", "write"};
  return verbs.count(lower(s.substr(0, dash))) > 0;
}

/// Words after which a number is an error code: "error 1603", "Event ID 41".
bool introduces_code(const std::string& word) {
  return word == "error" || word == "code" || word == "id" || word == "status" || word == "exit" || word == "stop";
}

}  // namespace

std::vector<std::string> error_tokens(std::string_view text) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](std::string token) {
    if (seen.insert(token).second) out.push_back(std::move(token));
  };
  std::string previous;  // the previous chunk, lower-cased, for "error 1603"
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    std::size_t end = pos;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    if (end == pos) break;
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end;
    if (raw.size() > 260) {
      previous.clear();
      continue;
    }
    const std::string_view s = strip(raw);
    if (s.empty()) continue;
    if (is_hex_code(s) || is_symbolic_name(s) || is_exception_name(s) || is_windows_path(s) || is_unix_path(s) ||
        is_switch(s) || is_version(s) || is_advisory(s) || is_cmdlet(s)) {
      add(lower(s));
    } else if (is_number(s) && s.size() >= 6 && s.size() <= 8 && previous == "kb") {
      add("kb" + std::string(s));  // "KB 2117917", as it is often written
    } else if (is_bare_failure_code(s)) {
      add("0x" + lower(s));
    } else if (is_number(s) && s.size() >= 2 && introduces_code(previous)) {
      add("code:" + std::string(s));
    }
    // "0x80070005:" and "HRESULT=0x8007" hide a code after a separator.
    if (const std::size_t eq = s.find_first_of("=:"); eq != std::string_view::npos && eq + 1 < s.size()) {
      const std::string_view tail = strip(s.substr(eq + 1));
      if (is_hex_code(tail) || is_symbolic_name(tail)) add(lower(tail));
    }
    previous = lower(strip(raw));
  }
  return out;
}

}  // namespace kb
