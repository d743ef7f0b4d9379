/** @file raw_http.h
 *  @brief A deliberately dumb HTTP client for hostile-input tests: sends
 *  exactly the bytes given (malformed or not) and reads whatever comes back.
 */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace kb::test {

/// A connected TCP socket to 127.0.0.1:@p port, closed on destruction.
class RawSocket {
 public:
  explicit RawSocket(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect() failed");
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(RawSocket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  /// Sends all of @p bytes; false when the server closed the connection first.
  bool send_all(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Reads until the server closes, a complete response (by Content-Length)
  /// arrived, or @p timeout passed. "" when nothing came back.
  std::string read_response(std::chrono::milliseconds timeout) {
    std::string in;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!complete(in)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        timed_out_ = true;
        break;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      in.append(buf, static_cast<std::size_t>(n));
    }
    return in;
  }
  /// True when the last read_response ended because the server closed.
  bool closed() const { return closed_; }
  bool timed_out() const { return timed_out_; }
  int fd() const { return fd_; }

 private:
  static bool complete(const std::string& in) {
    const std::size_t end = in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    const std::string head = in.substr(0, end);
    std::string lower;
    for (char c : head) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    const std::size_t cl = lower.find("\r\ncontent-length:");
    if (cl == std::string::npos) return lower.find("transfer-encoding: chunked") == std::string::npos;
    const std::size_t len = std::stoul(head.substr(cl + 17));
    return in.size() >= end + 4 + len;
  }
  int fd_;
  bool closed_ = false;
  bool timed_out_ = false;
};

/// The status code of a raw response ("HTTP/1.1 404 Not Found" -> 404), or
/// 0 when there is none.
inline int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

/// The value of header @p name (case-insensitive) in a raw response, or "".
inline std::string header_of(const std::string& response, const std::string& name) {
  const std::size_t end = response.find("\r\n\r\n");
  std::size_t pos = response.find("\r\n");
  while (pos != std::string::npos && pos < end) {
    const std::size_t next = response.find("\r\n", pos + 2);
    const std::string line = response.substr(pos + 2, next - pos - 2);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos && colon == name.size()) {
      bool same = true;
      for (std::size_t i = 0; i < colon; ++i) same = same && std::tolower(line[i]) == std::tolower(name[i]);
      const std::size_t value = line.find_first_not_of(' ', colon + 1);
      if (same) return value == std::string::npos ? std::string() : line.substr(value);
    }
    pos = next;
  }
  return "";
}

/// One request on a fresh connection: the raw response ("" for none).
inline std::string raw_exchange(int port, const std::string& request,
                                std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  RawSocket s(port);
  s.send_all(request);
  return s.read_response(timeout);
}

}  // namespace kb::test
