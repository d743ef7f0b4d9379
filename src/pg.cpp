/** @file pg.cpp
 *  @brief libpq connection, statements and results.
 */
#include "kb/pg.h"

#include <libpq-fe.h>

#include <cstdlib>

namespace kb::pg {

namespace {

/// libpq's message on one line (it spreads hints over several).
std::string message(pg_conn* conn) {
  const std::string raw = conn ? PQerrorMessage(conn) : "out of memory";
  std::string m;
  for (char c : raw) {
    if (c == '\n' || c == '\t') {
      if (!m.empty() && m.back() != ' ') m += ' ';
    } else {
      m += c;
    }
  }
  while (!m.empty() && m.back() == ' ') m.pop_back();
  return m;
}

}  // namespace

Result::~Result() {
  if (r_) PQclear(r_);
}

int Result::rows() const { return PQntuples(r_); }
bool Result::is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string Result::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}
std::int64_t Result::int64(int row, int col) const {
  return is_null(row, col) ? 0 : std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}

Connection::Connection(const std::string& uri) : conn_(PQconnectdb(uri.c_str())) {
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    const std::string m = message(conn_);
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw Error("cannot connect to PostgreSQL: " + m, "");
  }
  PQsetClientEncoding(conn_, "UTF8");
  // NOTICEs ("relation ... already exists, skipping" on every start) are
  // not problems; libpq would print them to stderr.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

Result Connection::exec(const std::string& sql, const std::vector<Param>& params) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    // Inside a transaction a new connection would silently run the rest in
    // autocommit: fail the transaction instead, the caller retries it whole.
    if (in_transaction_) throw Error("PostgreSQL connection lost inside a transaction", "");
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) throw Error("PostgreSQL connection lost: " + message(conn_), "");
    PQsetClientEncoding(conn_, "UTF8");
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  // Without parameters: PQexec, which also runs a script of several statements.
  PGresult* r = params.empty() ? PQexec(conn_, sql.c_str())
                               : PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                                              values.data(), nullptr, nullptr, 0);
  const ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    Error e("PostgreSQL: " + message(conn_), state ? state : "");
    if (r) PQclear(r);
    throw e;
  }
  return Result(r);
}

void Connection::begin() {
  exec("BEGIN");
  in_transaction_ = true;
}

void Connection::end(bool commit) {
  if (!commit && PQstatus(conn_) != CONNECTION_OK) {
    in_transaction_ = false;  // the server rolled it back when the connection went
    return;
  }
  try {
    exec(commit ? "COMMIT" : "ROLLBACK");
  } catch (...) {
    in_transaction_ = false;
    throw;
  }
  in_transaction_ = false;
}

Transaction::Transaction(Connection& c) : c_(c) { c_.begin(); }

Transaction::~Transaction() {
  if (done_) return;
  try {
    c_.end(false);
  } catch (...) {
    // Nothing to do: the transaction ends with the statement or the connection.
  }
}

void Transaction::commit() {
  done_ = true;
  c_.end(true);
}

}  // namespace kb::pg
