/** @file revoked_sign_ins.cpp
 *  @brief The in-memory copy of the signed-out cookies, kept in step with
 *  the statistics store.
 */
#include "revoked_sign_ins.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace kb::server {

RevokedSignIns::RevokedSignIns(Statistics& stats, std::chrono::milliseconds interval,
                               std::function<void(const std::string&)> warn)
    : stats_(stats), interval_(interval), warn_(std::move(warn)) {
  reload();
  thread_ = std::thread([this] { run(); });
}

RevokedSignIns::~RevokedSignIns() { stop(); }

void RevokedSignIns::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RevokedSignIns::revoke(const std::string& digest, std::int64_t expires_ms) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    revoked_[digest] = std::max(revoked_[digest], expires_ms);
    pending_[digest] = revoked_[digest];
    poked_ = true;
  }
  wake_.notify_all();
}

bool RevokedSignIns::revoked(const std::string& digest) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = revoked_.find(digest);
  return it != revoked_.end() && it->second > now_ms();
}

void RevokedSignIns::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_ || poked_; });
    if (stopping_) break;
    poked_ = false;
    lock.unlock();
    reload();
    lock.lock();
  }
}

void RevokedSignIns::reload() {
  std::map<std::string, std::int64_t> pending;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending = pending_;
  }
  const std::int64_t now = now_ms();
  std::vector<std::pair<std::string, std::int64_t>> stored;
  try {
    stored = stats_.with_store([&](StatsStore& s) {
      for (const auto& [digest, expires] : pending) s.revoke_sign_in(digest, expires, now);
      return s.revoked_sign_ins(now);
    });
  } catch (const std::exception& e) {
    // Once per outage, not every few seconds while it lasts.
    if (!failing_ && warn_) warn_(std::string("signed-out cookies not synchronised with the statistics store: ") + e.what());
    failing_ = true;
    return;
  }
  if (failing_ && warn_) warn_("signed-out cookies synchronised with the statistics store again");
  failing_ = false;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [digest, expires] : pending) {
    // Written: pending no longer, unless revoked again meanwhile.
    if (const auto it = pending_.find(digest); it != pending_.end() && it->second == expires) pending_.erase(it);
  }
  std::map<std::string, std::int64_t> fresh(stored.begin(), stored.end());
  for (const auto& [digest, expires] : pending_) fresh[digest] = std::max(fresh[digest], expires);
  revoked_ = std::move(fresh);
}

}  // namespace kb::server
