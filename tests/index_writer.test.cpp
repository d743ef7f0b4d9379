/** @file index_writer.test.cpp
 *  @brief Incremental and atomic indexing against a real Xapian database.
 */
#include "kb/article.h"
#include "kb/index_writer.h"
#include "kb/schema.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <xapian.h>

#include <fcntl.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>

using namespace kb;
using kb::test::article;
using kb::test::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  std::vector<std::string> problems;

  std::filesystem::path articles() const { return dir / "articles"; }
  std::filesystem::path index() const { return dir / "index"; }
  void write(const std::string& rel, const std::string& content) const { dir.write("articles/" + rel, content); }

  IndexReport run() {
    problems.clear();
    IndexOptions opt;
    opt.articles_dir = articles();
    opt.index_dir = index();
    opt.on_problem = [this](const std::string& line) { problems.push_back(line); };
    return build_index(opt);
  }

  Xapian::Database db() const { return Xapian::Database(index().string()); }
  bool has_slug(const std::string& slug) const { return db().term_exists(schema::kPrefixId + slug); }
  std::string value_of(const std::string& slug, Xapian::valueno slot) const {
    const Xapian::Database d = db();
    auto p = d.postlist_begin(schema::kPrefixId + slug);
    return p == d.postlist_end(schema::kPrefixId + slug) ? "" : d.get_document(*p).get_value(slot);
  }
  std::string counts(const IndexReport& r) const {
    return std::to_string(r.added) + "/" + std::to_string(r.updated) + "/" + std::to_string(r.removed) + "/" +
           std::to_string(r.unchanged) + "/" + std::to_string(r.skipped);
  }
};

}  // namespace

TEST_CASE("the summary line has the documented form", "[index]") {
  IndexReport r;
  r.added = 3;
  r.unchanged = 2;
  r.seconds = 0.125;
  CHECK(r.summary_line() == "added 3, updated 0, moved 0, renamed 0, removed 0, unchanged 2, skipped 0 in 0.12 s");
  CHECK(std::regex_match(r.summary_line(),
                         std::regex(R"(added \d+, updated \d+, moved \d+, renamed \d+, removed \d+, unchanged \d+, skipped \d+ in \d+\.\d\d s)")));
}

TEST_CASE("incremental runs touch only what changed", "[index]") {
  Fixture f;
  f.write("a.md", article("Alpha", "alpha body"));
  f.write("b.md", article("Beta", "beta body"));
  f.write("sub/c.md", article("Gamma", "gamma body"));

  CHECK(f.counts(f.run()) == "3/0/0/0/0");
  const auto rev1 = f.db().get_revision();

  SECTION("an unchanged folder changes nothing, not even the revision") {
    CHECK(f.counts(f.run()) == "0/0/0/3/0");
    CHECK(f.db().get_revision() == rev1);
  }
  SECTION("a changed file is updated") {
    f.write("a.md", article("Alpha", "alpha body, now with zebra"));
    CHECK(f.counts(f.run()) == "0/1/0/2/0");
    CHECK(f.db().get_revision() == rev1 + 1);
    CHECK(f.db().term_exists("zebra"));
  }
  SECTION("a deleted file is removed") {
    std::filesystem::remove(f.articles() / "b.md");
    CHECK(f.counts(f.run()) == "0/0/1/2/0");
    CHECK_FALSE(f.has_slug("b"));
  }
  SECTION("a renamed file keeps an explicit slug and updates its path") {
    f.write("d.md", article("Delta", "delta", "slug: delta\n"));
    f.run();
    std::filesystem::rename(f.articles() / "d.md", f.articles() / "moved-delta.md");
    const IndexReport r = f.run();
    CHECK(f.counts(r) == "0/0/0/3/0");
    CHECK(r.moved == 1);
    CHECK(f.value_of("delta", schema::kSlotPath) == "moved-delta.md");
  }
  SECTION("a renamed file with a derived slug moves to the new slug: a rename") {
    std::filesystem::rename(f.articles() / "a.md", f.articles() / "alpha.md");
    const IndexReport r = f.run();
    CHECK(f.counts(r) == "0/0/0/2/0");
    CHECK(r.renamed == 1);
    CHECK(f.has_slug("alpha"));
    CHECK_FALSE(f.has_slug("a"));
  }
  SECTION("articles rendered by older code are rendered again once, the index still served meanwhile") {
    {
      Xapian::WritableDatabase db(f.index().string());
      db.set_metadata(schema::kMetaRenderVersion, "");  // as before render versions were kept
      db.commit();
    }
    CHECK(f.counts(f.run()) == "0/3/0/0/0");
    CHECK(f.db().get_metadata(schema::kMetaRenderVersion) == std::to_string(schema::kRenderVersion));
    CHECK(f.db().get_metadata(schema::kMetaSchemaVersion) == std::to_string(schema::kSchemaVersion));
    CHECK(f.counts(f.run()) == "0/0/0/3/0");
  }
  SECTION("a draft is unpublished") {
    f.write("a.md", article("Alpha", "alpha body", "draft: true\n"));
    CHECK(f.counts(f.run()) == "0/0/1/2/0");
    CHECK_FALSE(f.has_slug("a"));
  }
}

TEST_CASE("an indexed file with the same size and time is not read again", "[index]") {
  Fixture f;
  f.write("a.md", article("Alpha", "alpha body"));
  f.write("b.md", article("Beta", "beta body"));
  // Times older than the two seconds in which a rewrite could go unseen.
  const timespec old_times[2] = {{1700000000, 0}, {1700000000, 0}};
  for (const char* name : {"a.md", "b.md"}) REQUIRE(utimensat(AT_FDCWD, (f.articles() / name).c_str(), old_times, 0) == 0);
  CHECK(f.counts(f.run()) == "2/0/0/0/0");
  CHECK_FALSE(f.value_of("a", schema::kSlotFileStat).empty());

  // Same size and time, other bytes: trusted unchanged without reading
  // (it would otherwise be reported as broken).
  const std::string junk(std::filesystem::file_size(f.articles() / "a.md"), '\x01');
  f.write("a.md", junk);
  REQUIRE(utimensat(AT_FDCWD, (f.articles() / "a.md").c_str(), old_times, 0) == 0);
  CHECK(f.counts(f.run()) == "0/0/0/2/0");
  CHECK(f.problems.empty());

  // Touched (a new time, the same bytes): read, found unchanged, and no
  // new revision for it alone; its new stat goes with the next commit.
  const timespec touched[2] = {{1700000500, 0}, {1700000500, 0}};
  REQUIRE(utimensat(AT_FDCWD, (f.articles() / "b.md").c_str(), touched, 0) == 0);
  const std::string before = f.value_of("b", schema::kSlotFileStat);
  const Xapian::rev revision = f.db().get_revision();
  CHECK(f.counts(f.run()) == "0/0/0/2/0");
  CHECK(f.db().get_revision() == revision);
  CHECK(f.value_of("b", schema::kSlotFileStat) == before);
  f.write("c.md", article("Gamma", "gamma body"));  // a change: its commit takes b's stat along
  CHECK(f.counts(f.run()) == "1/0/0/2/0");
  CHECK(f.value_of("b", schema::kSlotFileStat) != before);
  // Trusted again: junk of the same size and time is not read.
  f.write("b.md", std::string(std::filesystem::file_size(f.articles() / "b.md"), '\x01'));
  REQUIRE(utimensat(AT_FDCWD, (f.articles() / "b.md").c_str(), touched, 0) == 0);
  CHECK(f.counts(f.run()) == "0/0/0/3/0");
  CHECK(f.problems.empty());  // not read: the junk would be a broken article

  // A new time makes it read again.
  f.write("b.md", article("Beta", "beta body changed"));
  CHECK(f.counts(f.run()) == "0/1/0/2/0");
  CHECK(f.value_of("b", schema::kSlotFileStat).empty());  // just written: not trusted next time
}

TEST_CASE("a checkout that touches many files costs one reading run, then none", "[index]") {
  Fixture f;
  const timespec old_times[2] = {{1700000000, 0}, {1700000000, 0}};
  const timespec checked_out[2] = {{1700000900, 0}, {1700000900, 0}};
  for (int i = 0; i < 70; ++i) {
    const std::string name = "n" + std::to_string(i) + ".md";
    f.write(name, article("Note " + std::to_string(i), "body " + std::to_string(i)));
    REQUIRE(utimensat(AT_FDCWD, (f.articles() / name).c_str(), old_times, 0) == 0);
  }
  CHECK(f.counts(f.run()) == "70/0/0/0/0");
  for (int i = 0; i < 70; ++i) {
    REQUIRE(utimensat(AT_FDCWD, (f.articles() / ("n" + std::to_string(i) + ".md")).c_str(), checked_out, 0) == 0);
  }
  const Xapian::rev revision = f.db().get_revision();
  CHECK(f.counts(f.run()) == "0/0/0/70/0");
  CHECK(f.db().get_revision() == revision + 1);  // the new stats, on their own
  // Every file is trusted by its stat again: junk of the same size and
  // time is not read.
  const auto junk_path = f.articles() / "n7.md";
  f.write("n7.md", std::string(std::filesystem::file_size(junk_path), '\x01'));
  REQUIRE(utimensat(AT_FDCWD, junk_path.c_str(), checked_out, 0) == 0);
  CHECK(f.counts(f.run()) == "0/0/0/70/0");
  CHECK(f.problems.empty());
  CHECK(f.db().get_revision() == revision + 1);
}

TEST_CASE("a broken article is reported and its last good version stays", "[index]") {
  Fixture f;
  f.write("a.md", article("Alpha", "alpha body"));
  f.write("b.md", article("Beta", "beta body"));
  f.run();
  f.write("a.md", "---\ntitle: [broken\n---\nnew body\n");
  f.write("new.md", "---\nsummary: no title here\n---\n");
  const IndexReport r = f.run();
  CHECK(f.counts(r) == "0/0/0/1/2");
  REQUIRE(f.problems.size() == 2);
  CHECK(f.problems[0] == "a.md:2: error: front matter: this list or mapping is never closed");
  CHECK(f.problems[1] == "new.md:2: error: front matter: missing 'title'");
  CHECK(f.has_slug("a"));
  CHECK(f.db().term_exists("alpha"));
  CHECK_FALSE(f.has_slug("new"));
}

TEST_CASE("slug conflicts", "[index]") {
  Fixture f;
  SECTION("an explicit duplicate slug is an error naming the owner") {
    f.write("a.md", article("A", "x", "slug: same\n"));
    f.write("b.md", article("B", "y", "note: z\nslug: same\n"));
    const IndexReport r = f.run();
    CHECK(r.skipped == 1);
    REQUIRE(f.problems.size() == 1);
    CHECK(f.problems[0] == "b.md:4: error: duplicate slug 'same': already used by a.md");
  }
  SECTION("the published article keeps its slug when a newcomer claims it") {
    f.write("z.md", article("Z", "z", "slug: same\n"));
    f.run();
    f.write("a.md", article("A", "a", "slug: same\n"));
    f.run();
    CHECK(f.value_of("same", schema::kSlotPath) == "z.md");
    REQUIRE(f.problems.size() == 1);
    CHECK(f.problems[0] == "a.md:3: error: duplicate slug 'same': already used by z.md");
  }
  SECTION("the same file name in two folders is published under folder-qualified slugs") {
    f.write("printing/overview.md", article("Printing overview", "p"));
    f.write("vpn/overview.md", article("VPN overview", "v"));
    const IndexReport r = f.run();
    CHECK(r.added == 2);
    CHECK(r.skipped == 0);
    CHECK(f.has_slug("overview"));
    CHECK(f.has_slug("vpn-overview"));
    REQUIRE(f.problems.size() == 1);
    CHECK(f.problems[0] ==
          "vpn/overview.md:1: warning: slug 'overview' is taken by printing/overview.md; published as "
          "'vpn-overview' (set 'slug:' to choose another)");
    CHECK(f.counts(f.run()) == "0/0/0/2/0");  // stable on the next run
  }
  SECTION("an alias that is another article's slug is ignored with a warning") {
    f.write("a.md", article("A", "x", "aliases: [b, old-a]\n"));
    f.write("b.md", article("B", "y"));
    f.run();
    CHECK(f.db().term_exists(std::string(schema::kPrefixAlias) + "old-a"));
    CHECK_FALSE(f.db().term_exists(std::string(schema::kPrefixAlias) + "b"));
    REQUIRE(f.problems.size() == 1);
    CHECK(f.problems[0] == "a.md:3: warning: alias 'b' is the slug of another article; ignored");
  }
}

TEST_CASE("files that are not articles are reported, never fatal", "[index]") {
  Fixture f;
  f.write("good.md", article("Good", "fine"));
  f.write("big.md", std::string(kMaxArticleBytes + 10, 'x'));
  f.write(".git/HEAD.md", "ignored");
  f.write("notes.txt", "ignored");
  std::filesystem::create_directories(f.articles() / "loop");
  std::filesystem::create_directory_symlink(f.articles(), f.articles() / "loop" / "back");
  std::filesystem::create_symlink(f.articles() / "nowhere.md", f.articles() / "dangling.md");
  REQUIRE(mkfifo((f.articles() / "pipe.md").c_str(), 0600) == 0);
  const IndexReport r = f.run();
  CHECK(r.added == 1);
  CHECK(r.skipped == 3);
  CHECK(std::find(f.problems.begin(), f.problems.end(),
                  "big.md:1: error: file is 1048586 bytes, over the limit of 1048576 bytes") != f.problems.end());
  CHECK(std::find(f.problems.begin(), f.problems.end(), "pipe.md:1: error: not a regular file") != f.problems.end());
  CHECK(std::find_if(f.problems.begin(), f.problems.end(), [](const std::string& p) {
          return p.rfind("dangling.md:1: error: cannot read", 0) == 0;
        }) != f.problems.end());
}

TEST_CASE("fatal problems are thrown with a clear message", "[index]") {
  Fixture f;
  IndexOptions opt;
  opt.articles_dir = f.dir / "missing";
  opt.index_dir = f.index();
  CHECK_THROWS_WITH(build_index(opt), Catch::Matchers::Contains("does not exist or is not a directory"));

  f.write("a.md", article("A", "x"));
  opt.articles_dir = f.articles();
  Xapian::WritableDatabase holder(f.index().string(), Xapian::DB_CREATE_OR_OPEN);
  CHECK_THROWS_WITH(build_index(opt), Catch::Matchers::Contains("is locked: another kb-index is writing to it"));
}

TEST_CASE("a second first build waits for none: it is refused while the first runs", "[index]") {
  Fixture f;
  f.write("a.md", article("A", "x"));
  // What a first build in progress holds (Run::go): its lock beside the index.
  const std::string lock_path = (f.dir / ".index.building.lock").string();
  const int held = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(held >= 0);
  REQUIRE(::flock(held, LOCK_EX | LOCK_NB) == 0);
  CHECK_THROWS_WITH(f.run(), Catch::Matchers::Contains("is locked: another kb-index is writing to it"));
  CHECK_FALSE(std::filesystem::exists(f.index()));
  ::close(held);
  CHECK(f.counts(f.run()) == "1/0/0/0/0");
  // Folders above a new index are made, the lock's among them.
  IndexOptions deeper;
  deeper.articles_dir = f.articles();
  deeper.index_dir = f.dir / "new" / "deeper" / "index";
  CHECK(build_index(deeper).added == 1);
}

TEST_CASE("a run killed mid-write leaves the previous revision intact", "[index][crash]") {
  Fixture f;
  for (int i = 0; i < 20; ++i) f.write("a" + std::to_string(i) + ".md", article("Article " + std::to_string(i), "old text"));
  f.run();
  const auto rev = f.db().get_revision();
  for (int i = 0; i < 20; ++i) f.write("a" + std::to_string(i) + ".md", article("Article " + std::to_string(i), "new text"));
  for (int i = 0; i < 10; ++i) f.write("b" + std::to_string(i) + ".md", article("Extra " + std::to_string(i), "new"));

  for (const std::size_t kill_at : {1u, 10u, 25u}) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      IndexOptions opt;
      opt.articles_dir = f.articles();
      opt.index_dir = f.index();
      opt.on_document_written = [kill_at](std::size_t n) {
        if (n == kill_at) ::kill(::getpid(), SIGKILL);
      };
      build_index(opt);
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    const Xapian::Database db = f.db();
    CHECK(db.get_revision() == rev);
    CHECK(db.get_doccount() == 20);
    CHECK(db.term_exists("old"));
    CHECK_FALSE(db.term_exists("new"));
  }
  // And the next uninterrupted run completes.
  CHECK(f.counts(f.run()) == "10/20/0/0/0");
}

TEST_CASE("spelling data follows the articles", "[index]") {
  Fixture f;
  f.write("a.md", article("Printer offline", "The printer shows offline."));
  f.write("b.md", article("Keyboard", "The keyboard is unresponsive."));
  f.run();
  CHECK(f.db().get_spelling_suggestion("printr") == "printer");
  CHECK(f.db().get_spelling_suggestion("keybord") == "keyboard");
  std::filesystem::remove(f.articles() / "b.md");
  f.run();
  CHECK(f.db().get_spelling_suggestion("keybord").empty());
  CHECK(f.db().get_spelling_suggestion("printr") == "printer");
}

namespace {

/// Gives every article file a time older than the two seconds in which a
/// rewrite could go unseen, so the next run trusts their size and time and
/// reads none of them.
void age_all_files(const std::filesystem::path& articles) {
  const timespec old_times[2] = {{1700000000, 0}, {1700000000, 0}};
  for (const auto& e : std::filesystem::recursive_directory_iterator(articles)) {
    if (e.is_regular_file()) REQUIRE(utimensat(AT_FDCWD, e.path().c_str(), old_times, 0) == 0);
  }
}

}  // namespace

TEST_CASE("images articles show are stored with the index, in step with their files", "[index]") {
  Fixture f;
  auto stored = [&](const std::string& path) { return f.db().get_metadata(schema::kMetaAsset + path); };
  f.write("net/vpn.md", article("VPN", "See ![diagram](img/diagram.png) and ![gone](img/gone.png)."));
  f.write("net/img/diagram.png", "first bytes");
  f.write("big.md", article("Big", "![big](huge.png)"));
  f.write("huge.png", "");
  std::filesystem::resize_file(f.articles() / "huge.png", (10u << 20) + 1);
  age_all_files(f.articles());
  const IndexReport first = f.run();
  CHECK(stored("net/img/diagram.png") == "first bytes");
  CHECK(stored("huge.png").empty());
  CHECK(std::count_if(f.problems.begin(), f.problems.end(), [](const std::string& p) {
          return p.rfind("net/img/gone.png:1: warning: image", 0) == 0 || p.rfind("huge.png:1: warning: image is larger", 0) == 0;
        }) == 2);
  CHECK(first.warnings >= 2);
  const Xapian::rev before = f.db().get_revision();
  f.run();
  CHECK(f.db().get_revision() == before);  // nothing changed: no new revision
  // The image changes, its article does not.
  f.write("net/img/diagram.png", "second bytes, longer");
  age_all_files(f.articles());
  f.run();
  CHECK(stored("net/img/diagram.png") == "second bytes, longer");
  // No article shows it any more: it goes.
  f.write("net/vpn.md", article("VPN", "No picture now."));
  f.run();
  CHECK(stored("net/img/diagram.png").empty());
  CHECK(f.db().get_metadata(schema::kMetaAssetStat + std::string("net/img/diagram.png")).empty());
}

TEST_CASE("an alias that is the article's own slug is ignored, and said so", "[index]") {
  Fixture f;
  f.write("c.md", article("C", "gamma", "aliases: [c, old-c]\n"));
  CHECK(f.counts(f.run()) == "1/0/0/0/0");
  CHECK(f.problems == std::vector<std::string>{"c.md:3: warning: alias 'c' is this article's own slug; ignored"});
  CHECK(f.db().term_exists(std::string(schema::kPrefixAlias) + "old-c"));
  CHECK_FALSE(f.db().term_exists(std::string(schema::kPrefixAlias) + "c"));
  CHECK(f.db().get_metadata(schema::kMetaAliasWaiting).empty());  // nothing to wait for
}

TEST_CASE("an ignored alias is reported at its own line", "[index]") {
  Fixture f;
  f.write("b.md", article("B", "beta"));
  f.write("c.md", article("C", "gamma", "summary: s\naliases:\n  - old-c\n  - c\n  - b\n"));
  f.run();
  CHECK(f.problems == std::vector<std::string>{"c.md:6: warning: alias 'c' is this article's own slug; ignored",
                                               "c.md:7: warning: alias 'b' is the slug of another article; ignored"});
}

TEST_CASE("<details> is published as a disclosure, and one that cannot be is warned about", "[index]") {
  Fixture f;
  f.write("d.md", article("D", "<details>\n<summary>Logs</summary>\n\nRun it.\n\n</details>\n\n"
                               "<details><summary>Tight</summary>\nhidden\n</details>"));
  CHECK(f.counts(f.run()) == "1/0/0/0/0");
  CHECK(f.problems == std::vector<std::string>{
                          "d.md:11: warning: <details> with text in the same HTML block is not shown (raw HTML is not "
                          "passed through): leave a blank line after its <summary> and before </details>"});
  const Xapian::Database db = f.db();
  const std::string data = db.get_document(*db.postlist_begin(std::string(schema::kPrefixId) + "d")).get_data();
  CHECK(data.find("<details><summary>Logs</summary>") != std::string::npos);
}

TEST_CASE("a new slug for an article is a rename, not one added and one removed", "[index]") {
  Fixture f;
  f.write("a.md", article("A", "alpha", "slug: old-name\n"));
  f.write("b.md", article("B", "beta"));
  CHECK(f.counts(f.run()) == "2/0/0/0/0");
  age_all_files(f.articles());
  const auto has_alias = [&](const std::string& alias) {
    return f.db().term_exists(std::string(schema::kPrefixAlias) + alias);
  };
  IndexReport r;
  SECTION("the same file, its old slug kept as an alias") {
    f.write("a.md", article("A", "alpha", "slug: new-name\naliases: [old-name]\n"));
    r = f.run();
    CHECK(has_alias("old-name"));
  }
  SECTION("the same file, its old slug dropped") {
    f.write("a.md", article("A", "alpha", "slug: new-name\n"));
    r = f.run();
    CHECK_FALSE(has_alias("old-name"));
  }
  SECTION("the file moved too, its old slug kept as an alias") {
    std::filesystem::remove(f.articles() / "a.md");
    f.write("guides/new-name.md", article("A", "alpha, edited", "aliases: [old-name]\n"));
    r = f.run();
    CHECK(has_alias("old-name"));
  }
  CHECK(f.problems.empty());
  CHECK(f.has_slug("new-name"));
  CHECK_FALSE(f.has_slug("old-name"));
  CHECK(r.renamed == 1);
  CHECK(f.counts(r) == "0/0/0/1/0");
  CHECK_THAT(r.summary_line(),
             Catch::Matchers::StartsWith("added 0, updated 0, moved 0, renamed 1, removed 0, unchanged 1, skipped 0 in "));
}

TEST_CASE("a new slug that is another article's alias is warned about", "[index]") {
  Fixture f;
  f.write("b.md", article("B", "beta", "aliases: [legacy]\n"));
  f.run();
  age_all_files(f.articles());
  f.write("legacy.md", article("Legacy", "old things"));
  CHECK(f.counts(f.run()) == "1/0/0/1/0");
  CHECK(f.problems == std::vector<std::string>{
                          "legacy.md:1: warning: slug 'legacy' is also an alias in b.md: /articles/legacy now shows this "
                          "article instead of redirecting (remove the alias there)"});
}

TEST_CASE("files not read this run still hold their slugs", "[index]") {
  Fixture f;
  SECTION("a newcomer cannot take an unchanged article's slug") {
    f.write("z.md", article("Z", "z", "slug: same\n"));
    f.write("printing/overview.md", article("Printing overview", "p"));
    f.write("b.md", article("B", "b"));
    CHECK(f.counts(f.run()) == "3/0/0/0/0");
    age_all_files(f.articles());
    CHECK(f.counts(f.run()) == "0/0/0/3/0");  // stat matches: nothing read
    f.write("a.md", article("A", "a", "slug: same\n"));
    f.write("vpn/overview.md", article("VPN overview", "v", "aliases: [b, old-vpn]\n"));
    const IndexReport r = f.run();
    CHECK(f.counts(r) == "1/0/0/3/1");
    CHECK(f.value_of("same", schema::kSlotPath) == "z.md");
    CHECK(f.value_of("overview", schema::kSlotPath) == "printing/overview.md");
    CHECK(f.value_of("vpn-overview", schema::kSlotPath) == "vpn/overview.md");
    CHECK(f.db().term_exists(std::string(schema::kPrefixAlias) + "old-vpn"));
    CHECK_FALSE(f.db().term_exists(std::string(schema::kPrefixAlias) + "b"));
    CHECK(std::find(f.problems.begin(), f.problems.end(), "a.md:3: error: duplicate slug 'same': already used by z.md") !=
          f.problems.end());
    CHECK(std::find(f.problems.begin(), f.problems.end(),
                    "vpn/overview.md:3: warning: alias 'b' is the slug of another article; ignored") != f.problems.end());
  }
  SECTION("a broken article keeps its slug from a newcomer") {
    f.write("a.md", article("A", "alpha"));
    f.run();
    f.write("a.md", "---\ntitle: [broken\n---\n");
    f.write("b.md", article("B", "beta", "slug: a\n"));
    CHECK(f.counts(f.run()) == "0/0/0/0/2");
    CHECK(f.value_of("a", schema::kSlotPath) == "a.md");
    CHECK(f.db().term_exists("alpha"));
  }
  SECTION("a deleted article's slug goes to the file that claims it in the same run") {
    f.write("a.md", article("A", "alpha", "slug: kept\n"));
    f.write("c.md", article("C", "gamma"));
    f.run();
    age_all_files(f.articles());
    std::filesystem::remove(f.articles() / "a.md");
    f.write("b.md", article("B", "beta", "slug: kept\n"));
    const IndexReport r = f.run();
    CHECK(f.counts(r) == "0/1/0/1/0");  // another file took the slug: not a move
    CHECK(r.moved == 0);
    CHECK(f.value_of("kept", schema::kSlotPath) == "b.md");
    CHECK_FALSE(f.db().term_exists("alpha"));
    CHECK(f.db().get_doccount() == 2);
  }
  SECTION("two articles can swap slugs in one run") {
    f.write("a.md", article("A", "alpha", "slug: first\n"));
    f.write("b.md", article("B", "beta", "slug: second\n"));
    f.run();
    f.write("a.md", article("A", "alpha", "slug: second\n"));
    f.write("b.md", article("B", "beta", "slug: first\n"));
    CHECK(f.counts(f.run()) == "0/2/0/0/0");
    CHECK(f.value_of("first", schema::kSlotPath) == "b.md");
    CHECK(f.value_of("second", schema::kSlotPath) == "a.md");
    CHECK(f.db().get_doccount() == 2);
  }
  SECTION("a swap where one side goes back to its file name's slug") {
    f.write("a.md", article("A", "alpha"));
    f.write("b.md", article("B", "beta", "slug: x\n"));
    f.run();
    f.write("a.md", article("A", "alpha", "slug: x\n"));
    f.write("b.md", article("B", "beta"));
    CHECK(f.counts(f.run()) == "1/1/1/0/0");  // counted by slug: 'x' updated, 'b' added, 'a' removed
    CHECK(f.problems.empty());
    CHECK(f.value_of("x", schema::kSlotPath) == "a.md");
    CHECK(f.value_of("b", schema::kSlotPath) == "b.md");
    CHECK(f.db().get_doccount() == 2);
  }
  SECTION("an edit that claims a taken slug keeps the published version") {
    f.write("a.md", article("A", "alphaword"));
    f.write("b.md", article("B", "beta", "slug: bee\n"));
    f.run();
    f.write("a.md", article("A", "alphaword changed", "slug: bee\n"));
    CHECK(f.counts(f.run()) == "0/0/0/1/1");
    CHECK(f.value_of("a", schema::kSlotPath) == "a.md");
    CHECK(f.value_of("bee", schema::kSlotPath) == "b.md");
    CHECK_FALSE(f.db().term_exists("changed"));
    CHECK(f.db().get_doccount() == 2);
  }
  SECTION("a file kept at its old slug holds it from the file that would take it") {
    // a.md moves to b's slug, which stays b's; b.md's new file-name slug
    // would be free, but a.md keeps 'a' published, so c.md waits.
    f.write("a.md", article("A", "alpha"));
    f.write("b.md", article("B", "beta", "slug: bee\n"));
    f.write("c.md", article("C", "gamma", "slug: sea\n"));
    f.run();
    f.write("a.md", article("A", "alpha", "slug: bee\n"));
    f.write("c.md", article("C", "gamma", "slug: a\n"));
    f.run();
    CHECK(f.value_of("a", schema::kSlotPath) == "a.md");
    CHECK(f.value_of("bee", schema::kSlotPath) == "b.md");
    CHECK(f.value_of("sea", schema::kSlotPath) == "c.md");
    CHECK(f.db().get_doccount() == 3);
  }
  SECTION("a folder-qualified slug stays its file's while the file changes") {
    f.write("printing/overview.md", article("Printing overview", "p"));
    f.write("vpn/overview.md", article("VPN overview", "v"));
    f.run();
    REQUIRE(f.value_of("vpn-overview", schema::kSlotPath) == "vpn/overview.md");
    f.write("vpn/a.md", article("A", "a", "slug: vpn-overview\n"));  // sorts first: a newcomer
    f.write("vpn/overview.md", article("VPN overview", "v changed"));
    CHECK(f.counts(f.run()) == "0/1/0/1/1");
    CHECK(f.value_of("vpn-overview", schema::kSlotPath) == "vpn/overview.md");
  }
  SECTION("an article whose slug changes leaves its old slug") {
    f.write("a.md", article("A", "alpha", "slug: old\n"));
    f.write("c.md", article("C", "gamma"));
    f.run();
    age_all_files(f.articles());
    f.write("a.md", article("A", "alpha", "slug: new\n"));
    const IndexReport r = f.run();
    CHECK(f.counts(r) == "0/0/0/1/0");
    CHECK(r.renamed == 1);
    CHECK(f.value_of("new", schema::kSlotPath) == "a.md");
    CHECK_FALSE(f.has_slug("old"));
  }
}

namespace {

/// f.run() as a user whom file permissions bind (root reads a chmod 000
/// folder): in a child that drops to nobody when the tests run as root.
/// Returns the counts, then the problem lines, one per line.
std::string run_unprivileged(Fixture& f) {
  int out[2];
  REQUIRE(pipe(out) == 0);
  if (geteuid() == 0) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(f.dir.path())) {
      REQUIRE(lchown(e.path().c_str(), 65534, 65534) == 0);
    }
    REQUIRE(chown(f.dir.path().c_str(), 65534, 65534) == 0);
  }
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(out[0]);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    std::string text;
    try {
      text = f.counts(f.run()) + "\n";
      for (const auto& p : f.problems) text += p + "\n";
    } catch (const std::exception& e) {
      text = std::string("threw: ") + e.what() + "\n";
    }
    const ssize_t n = ::write(out[1], text.data(), text.size());
    _exit(n == static_cast<ssize_t>(text.size()) ? 0 : 4);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return text;
}

}  // namespace

TEST_CASE("a folder that cannot be read keeps its articles and is an error", "[index]") {
  Fixture f;
  f.write("top.md", article("Top", "top"));
  f.write("team/doc.md", article("Team doc", "teamword"));
  CHECK(run_unprivileged(f) == "2/0/0/0/0\n");
  REQUIRE(chmod((f.articles() / "team").c_str(), 0) == 0);
  CHECK(run_unprivileged(f) ==
        "0/0/0/1/1\nteam:1: error: cannot read this folder: Permission denied (articles published from it stay as they are)\n");
  CHECK(f.has_slug("doc"));
  CHECK(f.db().term_exists("teamword"));
  // Readable again: nothing was lost, nothing to do.
  REQUIRE(chmod((f.articles() / "team").c_str(), 0755) == 0);
  CHECK(run_unprivileged(f) == "0/0/0/2/0\n");
}

TEST_CASE("a moved article is still the same article", "[index]") {
  Fixture f;
  SECTION("moved while a newcomer claims its slug: the moved owner keeps it") {
    f.write("m.md", article("M", "mword", "slug: xslug\n"));
    f.run();
    std::filesystem::create_directories(f.articles() / "zz");
    std::filesystem::rename(f.articles() / "m.md", f.articles() / "zz" / "m.md");
    f.write("a.md", article("A", "aword", "slug: xslug\n"));
    const IndexReport r = f.run();
    CHECK(f.counts(r) == "0/0/0/0/1");
    CHECK(r.moved == 1);
    CHECK(f.value_of("xslug", schema::kSlotPath) == "zz/m.md");
    CHECK(f.db().term_exists("mword"));
    REQUIRE(f.problems.size() == 1);
    CHECK(f.problems[0] == "a.md:3: error: duplicate slug 'xslug': already used by zz/m.md");
  }
  SECTION("moved and broken in one run: the published version stays until it is fixed") {
    f.write("h.md", article("H", "hword", "slug: aitch\n"));
    f.run();
    std::filesystem::create_directories(f.articles() / "sub");
    std::filesystem::remove(f.articles() / "h.md");
    f.write("sub/h.md", "---\ntitle: [H\nslug: aitch\n---\n");
    CHECK(f.counts(f.run()) == "0/0/0/0/1");
    CHECK(f.has_slug("aitch"));
    CHECK(f.db().term_exists("hword"));
    f.write("sub/h.md", article("H", "fixed", "slug: aitch\n"));
    const IndexReport fixed = f.run();
    CHECK(f.counts(fixed) == "0/0/0/0/0");
    CHECK(fixed.moved == 1);  // moved, and edited
    CHECK(f.value_of("aitch", schema::kSlotPath) == "sub/h.md");
    CHECK(f.db().term_exists("fixed"));
    CHECK(f.db().get_doccount() == 1);
  }
}

TEST_CASE("an alias held back by another article is published once it is free", "[index]") {
  Fixture f;
  const auto has_alias = [&](const std::string& alias) {
    return f.db().term_exists(std::string(schema::kPrefixAlias) + alias);
  };
  SECTION("two articles declare one alias: when the first gives it up, the second gets it") {
    f.write("d.md", article("D", "d", "slug: delta\naliases: [shared-alias]\n"));
    f.write("e.md", article("E", "e", "slug: epsilon\naliases: [shared-alias]\n"));
    f.run();
    REQUIRE(f.problems.size() == 1);
    CHECK(f.problems[0] == "e.md:4: warning: alias 'shared-alias' is also an alias in d.md; ignored");
    age_all_files(f.articles());
    CHECK(f.counts(f.run()) == "0/0/0/2/0");  // nothing changed: e.md is not read again
    f.write("d.md", article("D", "d", "slug: delta\n"));
    CHECK(f.counts(f.run()) == "0/2/0/0/0");
    CHECK(f.problems.empty());
    const Xapian::Database db = f.db();
    const std::string term = std::string(schema::kPrefixAlias) + "shared-alias";
    REQUIRE(db.postlist_begin(term) != db.postlist_end(term));
    CHECK(db.get_document(*db.postlist_begin(term)).get_value(schema::kSlotSlug) == "epsilon");
    age_all_files(f.articles());
    CHECK(f.counts(f.run()) == "0/0/0/2/0");  // and no longer waits
  }
  SECTION("an alias that was another article's slug is published when that article goes") {
    f.write("alpha.md", article("Alpha", "a"));
    f.write("f.md", article("F", "f", "aliases: [alpha]\n"));
    f.run();
    CHECK_FALSE(has_alias("alpha"));
    std::filesystem::remove(f.articles() / "alpha.md");
    CHECK(f.counts(f.run()) == "0/1/1/0/0");
    CHECK(has_alias("alpha"));
  }
}

TEST_CASE("an empty articles folder or a folder that is no index is refused, not obeyed", "[index]") {
  Fixture f;
  f.write("a.md", article("Alpha", "alpha"));
  f.write("b.md", article("Beta", "beta"));
  f.run();
  SECTION("no article left: nothing is removed unless allowed") {
    std::filesystem::remove(f.articles() / "a.md");
    std::filesystem::remove(f.articles() / "b.md");
    try {
      f.run();
      FAIL("an empty folder emptied the index");
    } catch (const IndexFatalError& e) {
      CHECK(std::string(e.what()) == "the articles folder " + f.articles().string() +
                                         " has no articles, but the index holds 2: nothing was removed (is a folder "
                                         "not mounted?). Pass --allow-empty to unpublish them all");
    }
    CHECK(f.db().get_doccount() == 2);
    IndexOptions opt;
    opt.articles_dir = f.articles();
    opt.index_dir = f.index();
    opt.allow_empty = true;
    CHECK(build_index(opt).removed == 2);
    CHECK(f.db().get_doccount() == 0);
  }
  SECTION("--index naming a folder of other files writes nothing into it") {
    IndexOptions opt;
    opt.articles_dir = f.articles();
    opt.index_dir = f.articles();
    CHECK_THROWS_WITH(build_index(opt), f.articles().string() + " holds files but no index: nothing was written into "
                                                                "it (give an empty or new folder as --index)");
    CHECK_FALSE(std::filesystem::exists(f.articles() / "iamglass"));
  }
}

TEST_CASE("moves, waiting aliases and broken files: the cases a review found", "[index]") {
  Fixture f;
  const auto alias_docs = [&](const std::string& alias) {
    const Xapian::Database db = f.db();
    const std::string term = std::string(schema::kPrefixAlias) + alias;
    std::vector<std::string> slugs;
    for (auto it = db.postlist_begin(term); it != db.postlist_end(term); ++it) {
      slugs.push_back(db.get_document(*it).get_value(schema::kSlotSlug));
    }
    return slugs;
  };
  SECTION("an alias held by an unchanged article is not given to a second one") {
    f.write("a.md", article("A", "a", "aliases: [foo]\n"));
    f.write("b.md", article("B", "b", "aliases: [foo]\n"));
    f.write("c.md", article("C", "c"));
    f.run();
    age_all_files(f.articles());
    f.write("c.md", article("C", "changed"));
    // b.md is read again (something changed), finds foo still held, and
    // stays as it was: not rewritten, not warned again.
    CHECK(f.counts(f.run()) == "0/1/0/2/0");
    CHECK(f.problems.empty());
    CHECK(alias_docs("foo") == std::vector<std::string>{"a"});
  }
  SECTION("an alias waiting for a slug is published when that article takes another slug, or becomes a draft") {
    f.write("a.md", article("A", "a", "slug: foo\n"));
    f.write("b.md", article("B", "b", "aliases: [foo]\n"));
    f.run();
    age_all_files(f.articles());
    const auto after = [&](const std::string& a_text) {
      f.write("a.md", a_text);
      f.run();
      return alias_docs("foo");
    };
    SECTION("another slug") { CHECK(after(article("A", "a", "slug: bar\n")) == std::vector<std::string>{"b"}); }
    SECTION("a draft") { CHECK(after(article("A", "a", "slug: foo\ndraft: true\n")) == std::vector<std::string>{"b"}); }
  }
  SECTION("a moved article with its bytes beats a newcomer of the same file name") {
    f.write("a/overview.md", article("Overview", "moved", "aliases: [x]\n"));
    f.run();
    std::filesystem::create_directories(f.articles() / "z");
    std::filesystem::rename(f.articles() / "a" / "overview.md", f.articles() / "z" / "overview.md");
    f.write("docs/overview.md", article("Docs overview", "newcomer"));
    f.run();
    CHECK(f.value_of("overview", schema::kSlotPath) == "z/overview.md");
    CHECK(f.value_of("z-overview", schema::kSlotPath).empty());
  }
  SECTION("a file broken for long does not keep a deleted article of its name alive") {
    f.write("docs/overview.md", article("Overview", "o"));
    f.write("wip/overview.md", "---\ntitle: [broken\n---\n");
    f.run();
    f.run();
    std::filesystem::remove(f.articles() / "docs" / "overview.md");
    f.run();
    CHECK_FALSE(f.has_slug("overview"));
  }
}

TEST_CASE("an index folder with only dot-files or lost+found is a new index, not a foreign folder", "[index]") {
  Fixture f;
  f.write("a.md", article("A", "a"));
  f.dir.write("index/.gitkeep", "");
  std::filesystem::create_directories(f.index() / "lost+found");
  CHECK(f.counts(f.run()) == "1/0/0/0/0");
  CHECK(f.counts(f.run()) == "0/0/0/1/0");
}
