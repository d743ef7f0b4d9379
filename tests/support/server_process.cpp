/** @file server_process.cpp
 *  @brief fork/exec of kb-server and kb-index for integration tests.
 */
#include "support/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <regex>
#include <stdexcept>

namespace kb::test {

namespace {

pid_t spawn(const std::vector<std::string>& argv, int out_fd, int err_fd) {
  std::vector<char*> c_argv;
  for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> args) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv{KB_SERVER_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--port", "0", "--bind", "127.0.0.1", "--web", KB_WEB_DIR});
  pid_ = spawn(argv, fds[1], fds[1]);
  close(fds[1]);
  stderr_fd_ = fds[0];

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  const std::regex ready(R"(listening on http://127\.0\.0\.1:(\d+))");
  std::string seen;
  while (port_ == 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{stderr_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t n = read(stderr_fd_, buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<std::size_t>(n));
    std::smatch m;
    if (std::regex_search(seen, m, ready)) port_ = std::stoi(m[1]);
  }
  output_ = seen;
  if (port_ == 0) {
    stop();
    throw std::runtime_error("kb-server did not start: " + seen);
  }
  drain_ = std::thread([this] {
    char buf[4096];
    ssize_t n;
    while ((n = read(stderr_fd_, buf, sizeof buf)) > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      output_.append(buf, static_cast<std::size_t>(n));
    }
  });
}

int ServerProcess::stop_with(int signal) {
  if (pid_ <= 0) return 0;
  kill(pid_, signal);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    usleep(50'000);
  }
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (drain_.joinable()) drain_.join();
  if (stderr_fd_ >= 0) {
    close(stderr_fd_);
    stderr_fd_ = -1;
  }
  return status;
}

ServerProcess::~ServerProcess() { stop(); }

std::string ServerProcess::output() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return output_;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const std::string& log) {
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + log);
  std::vector<char*> c_argv;
  for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Its own process group: xapian-replicate-server answers SIGTERM by
    // signalling its whole group, which must not include the test.
    setpgid(0, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    execvp(c_argv[0], c_argv.data());
    _exit(127);
  }
  close(fd);
}

bool BackgroundProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
  return pid_ > 0;
}

BackgroundProcess::~BackgroundProcess() {
  if (!running()) return;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) return;
    usleep(50'000);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
}

int run_program(const std::vector<std::string>& argv, std::string& output) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = spawn(argv, fds[1], fds[1]);
  close(fds[1]);
  output.clear();
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace kb::test
