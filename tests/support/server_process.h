/** @file server_process.h
 *  @brief Runs the real kb-server binary on a free port for integration
 *  tests, and stops it (SIGTERM, then SIGKILL) when the test ends.
 */
#pragma once

#include <sys/types.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kb::test {

class ServerProcess {
 public:
  /// Starts KB_SERVER_BIN with @p args plus "--port 0" and waits until it
  /// prints its address. Throws when it exits or stays silent for 20 s.
  explicit ServerProcess(std::vector<std::string> args);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// Sends SIGTERM and waits; returns the exit status (as from waitpid).
  int stop() { return stop_with(15); }
  /// Sends SIGKILL (a crash: nothing is flushed) and waits.
  int kill_hard() { return stop_with(9); }
  /// Everything the server wrote to stderr so far.
  std::string output() const;

 private:
  int stop_with(int signal);
  pid_t pid_ = -1;
  int port_ = 0;
  int stderr_fd_ = -1;
  std::thread drain_;
  mutable std::mutex mutex_;
  std::string output_;
};

/// Any other program a test needs running (found on PATH), its output
/// appended to @p log; stopped (SIGTERM, then SIGKILL) when destroyed.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  /// False once it has exited.
  bool running();

 private:
  pid_t pid_ = -1;
};

/// Runs a program to completion; returns its exit code and sets @p output
/// to stdout+stderr.
int run_program(const std::vector<std::string>& argv, std::string& output);

}  // namespace kb::test
