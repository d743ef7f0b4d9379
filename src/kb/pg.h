/** @file pg.h
 *  @brief A thin RAII layer over libpq: a connection that reconnects after
 *  it is lost, parameterised statements with text parameters, results.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct pg_conn;
struct pg_result;

namespace kb::pg {

class Error : public std::runtime_error {
 public:
  Error(const std::string& what, std::string sqlstate) : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  /// The five-character SQLSTATE ("40P01" deadlock), or "" (connection).
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

/// A text parameter; nullopt is SQL NULL.
using Param = std::optional<std::string>;
inline Param null() { return std::nullopt; }
inline Param text(std::string s) { return Param(std::move(s)); }
inline Param text_or_null(const std::string& s) { return s.empty() ? Param() : Param(s); }
inline Param int64(std::int64_t v) { return Param(std::to_string(v)); }

class Result {
 public:
  explicit Result(pg_result* r) : r_(r) {}
  ~Result();
  Result(Result&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&&) = delete;

  int rows() const;
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;
  /// 0 for NULL, like sqlite3_column_int64.
  std::int64_t int64(int row, int col) const;

 private:
  pg_result* r_;
};

class Connection {
 public:
  /// Connects to @p uri ("postgresql://user@host:port/db"). Throws Error.
  explicit Connection(const std::string& uri);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs one statement ($1, $2... for @p params), or without params a
  /// script of several (their last result). A connection found
  /// broken is re-established first, so a restarted server is picked up.
  Result exec(const std::string& sql, const std::vector<Param>& params = {});

  /// For Transaction: BEGIN, and COMMIT (true) or ROLLBACK (false).
  void begin();
  void end(bool commit);

 private:
  pg_conn* conn_ = nullptr;
  bool in_transaction_ = false;
};

/// BEGIN ... COMMIT, rolled back if not committed.
class Transaction {
 public:
  explicit Transaction(Connection& c);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& c_;
  bool done_ = false;
};

}  // namespace kb::pg
