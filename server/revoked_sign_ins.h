/** @file revoked_sign_ins.h
 *  @brief Staff sign-in cookies ended at sign-out, refused from then on by
 *  every replica that shares the statistics store.
 *
 *  A sign-in cookie is a signed issue time: without a list of the ones
 *  signed out, a copy of a cookie (another browser, a proxy's log) works
 *  until it expires, 12 hours later. The list is in the statistics store,
 *  but requests never wait for the store (its lock is held by batch
 *  writes, dashboards and reconnects): they read a copy in memory, which a
 *  thread of this class reloads every few seconds. A sign-out the store
 *  could not take is kept and written again at each reload, and holds in
 *  this process meanwhile.
 */
#pragma once

#include "kb/statistics.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace kb::server {

class RevokedSignIns {
 public:
  /// Loads the list once before returning (a failure is warned about and
  /// retried at the next reload), then reloads it every @p interval.
  RevokedSignIns(Statistics& stats, std::chrono::milliseconds interval, std::function<void(const std::string&)> warn);
  ~RevokedSignIns();
  RevokedSignIns(const RevokedSignIns&) = delete;
  RevokedSignIns& operator=(const RevokedSignIns&) = delete;

  /// Refuses @p digest until @p expires_ms, here at once and in the store
  /// as soon as it takes it.
  void revoke(const std::string& digest, std::int64_t expires_ms);
  bool revoked(const std::string& digest) const;
  void stop();

 private:
  void run();
  /// Writes what is pending and reads the whole list back.
  void reload();

  Statistics& stats_;
  std::chrono::milliseconds interval_;
  std::function<void(const std::string&)> warn_;
  mutable std::mutex mutex_;
  std::map<std::string, std::int64_t> revoked_;  ///< digest -> when the cookie expires anyway (ms)
  std::map<std::string, std::int64_t> pending_;  ///< revoked here, not yet in the store
  std::condition_variable wake_;
  bool stopping_ = false;
  bool poked_ = false;
  bool failing_ = false;  ///< the last reload failed (only reload() touches it)
  std::thread thread_;
};

}  // namespace kb::server
