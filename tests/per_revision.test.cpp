#include "kb/per_revision.h"

#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

struct Table {
  Xapian::rev revision;
};

/// An index with one document per commit so far.
Xapian::WritableDatabase make_index(const kb::test::TempDir& dir) {
  Xapian::WritableDatabase db((dir / "index").string(), Xapian::DB_CREATE_OR_OPEN);
  db.add_document(Xapian::Document());
  db.commit();
  return db;
}

}  // namespace

TEST_CASE("threads asking at once for a revision's table share one build", "[per_revision]") {
  kb::test::TempDir dir;
  Xapian::WritableDatabase writer = make_index(dir);
  std::atomic<int> builds{0};
  auto build = [&builds](const Xapian::Database& db) {
    ++builds;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a build takes a while
    return std::make_shared<Table>(Table{db.get_revision()});
  };
  std::vector<std::shared_ptr<const Table>> got(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      const Xapian::Database db((dir / "index").string());
      got[i] = kb::per_revision<Table>(db, build);
    });
  }
  for (auto& t : threads) t.join();
  CHECK(builds == 1);
  for (const auto& table : got) CHECK(table == got[0]);

  // A new revision gets a new table; the old one stays valid for its holders.
  writer.add_document(Xapian::Document());
  writer.commit();
  const Xapian::Database fresh((dir / "index").string());
  const auto newer = kb::per_revision<Table>(fresh, build);
  CHECK(builds == 2);
  CHECK(newer->revision == got[0]->revision + 1);
  CHECK(kb::per_revision<Table>(fresh, build) == newer);
  CHECK(builds == 2);
}

TEST_CASE("a build that fails is not kept: the next ask builds again", "[per_revision]") {
  struct Other {
    int n;
  };
  kb::test::TempDir dir;
  Xapian::WritableDatabase writer = make_index(dir);
  const Xapian::Database db((dir / "index").string());
  int attempts = 0;
  auto failing = [&attempts](const Xapian::Database&) -> std::shared_ptr<Other> {
    ++attempts;
    throw std::runtime_error("disk went away");
  };
  CHECK_THROWS_WITH(kb::per_revision<Other>(db, failing), "disk went away");
  const auto table = kb::per_revision<Other>(db, [&attempts](const Xapian::Database&) {
    ++attempts;
    return std::make_shared<Other>(Other{7});
  });
  CHECK(attempts == 2);
  CHECK(table->n == 7);
}
