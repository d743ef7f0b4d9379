/** @file article.cpp
 *  @brief Front matter parsing and validation.
 */
#include "kb/article.h"

#include "kb/spelling_dictionary.h"
#include "kb/text.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <set>

namespace kb {

ArticleError::ArticleError(std::string path, std::size_t line, const std::string& message)
    : std::runtime_error(path + ":" + std::to_string(line) + ": error: " + message),
      path_(std::move(path)),
      line_(line),
      message_(message) {}

namespace {

bool is_delimiter(std::string_view line, std::string_view marker) {
  // "---" optionally followed by spaces (and a CR from CRLF files).
  if (line.substr(0, marker.size()) != marker) return false;
  return trim(line.substr(marker.size())).empty();
}

struct FrontMatter {
  std::string yaml;
  std::size_t first_line = 0;  ///< file line of the first YAML line; 0 when there is none
  std::size_t body_offset = 0;
  std::size_t body_line = 1;
};

/// Where the value of a top-level "key: value" line starts: after the
/// colon, blanks (spaces or tabs), and any tag ("!!str") or anchor ("&a")
/// with the blanks after it. npos for a line that is no top-level key.
std::size_t top_level_value(std::string_view text) {
  if (text.empty() || text[0] == ' ' || text[0] == '\t' || text[0] == '#' || text[0] == '-') return std::string_view::npos;
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::string_view::npos;
  auto skip_blanks = [&text](std::size_t i) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    return i;
  };
  std::size_t value = skip_blanks(colon + 1);
  while (value < text.size() && (text[value] == '!' || text[value] == '&')) {
    while (value < text.size() && text[value] != ' ' && text[value] != '\t') ++value;
    value = skip_blanks(value);
  }
  return value;
}

/// From @p open, the opening quote of a value, to its closing quote: its
/// offset in @p yaml, or npos when it is never closed.
std::size_t closing_quote(std::string_view yaml, std::size_t open) {
  const char quote = yaml[open];
  for (std::size_t i = open + 1; i < yaml.size(); ++i) {
    if (quote == '"' && yaml[i] == '\\') {
      ++i;  // an escaped character
    } else if (yaml[i] == quote) {
      if (quote == '\'' && i + 1 < yaml.size() && yaml[i + 1] == '\'') {
        ++i;  // '' is a quote inside single quotes
      } else {
        return i;
      }
    }
  }
  return std::string_view::npos;
}

/// From @p open, the '[' or '{' that opens a flow value, to the bracket
/// that closes it (quoted text and comments skipped): its offset, or npos.
std::size_t closing_bracket(std::string_view yaml, std::size_t open) {
  std::size_t depth = 0;
  char previous = ' ';  // the last character that is not blank
  for (std::size_t i = open; i < yaml.size(); ++i) {
    const char c = yaml[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if ((c == '"' || c == '\'') && std::string_view("[{,:").find(previous) != std::string_view::npos) {
      // A quoted entry; a quote inside a plain one ("[don't]") is a letter.
      i = closing_quote(yaml, i);
      if (i == std::string_view::npos) return i;
    } else if (c == '#' && (yaml[i - 1] == ' ' || yaml[i - 1] == '\t')) {
      i = std::min(yaml.find('\n', i), yaml.size()) - 1;  // a comment, to the end of its line
      continue;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && --depth == 0) {
      return i;
    }
    previous = c;
  }
  return std::string_view::npos;
}

/// The line (1-based within @p yaml) of the first top-level value that
/// opens with one of @p openers and is never closed, or 0. yaml-cpp accepts
/// an unclosed quote (the value runs on to the end of the front matter and
/// swallows every key after it), and reports an unclosed '[' on the line
/// after it.
std::size_t unclosed_value_line(std::string_view yaml, std::string_view openers) {
  std::size_t line = 1;
  for (std::size_t pos = 0; pos < yaml.size(); ++line) {
    const std::size_t end = std::min(yaml.find('\n', pos), yaml.size());
    const std::size_t value = top_level_value(yaml.substr(pos, end - pos));
    if (value == std::string_view::npos || pos + value >= end || openers.find(yaml[pos + value]) == std::string_view::npos) {
      pos = end + 1;
      continue;
    }
    const char opener = yaml[pos + value];
    const std::size_t close = opener == '"' || opener == '\'' ? closing_quote(yaml, pos + value)
                                                              : closing_bracket(yaml, pos + value);
    if (close == std::string_view::npos) return line;
    // A value may span lines: go on after the line that closes it.
    const std::size_t close_end = std::min(yaml.find('\n', close), yaml.size());
    line += static_cast<std::size_t>(std::count(yaml.begin() + static_cast<std::ptrdiff_t>(end),
                                                yaml.begin() + static_cast<std::ptrdiff_t>(close_end), '\n'));
    pos = close_end + 1;
  }
  return 0;
}

/// The front matter keys kb reads.
constexpr const char* kKnownKeys[] = {"title",   "slug", "summary", "description",    "category",    "tags",
                                      "aliases", "lang", "updated", "date",           "ms.date",     "draft",
                                      "translation_of", "promote_for", "review_by"};

FrontMatter split_front_matter(std::string_view path, std::string_view text) {
  FrontMatter fm;
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    const std::size_t end = text.find('\n', pos);
    const std::size_t stop = end == std::string_view::npos ? text.size() : end;
    line = text.substr(pos, stop - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    return true;
  };
  std::string_view line;
  if (!next_line(line) || !is_delimiter(line, "---")) return fm;  // no front matter
  const std::size_t yaml_start = pos;
  std::size_t line_no = 1;
  while (true) {
    const std::size_t line_start = pos;
    if (!next_line(line)) {
      throw ArticleError(std::string(path), 1, "front matter: opening '---' has no closing '---'");
    }
    ++line_no;
    if (is_delimiter(line, "---") || is_delimiter(line, "...")) {
      fm.yaml = std::string(text.substr(yaml_start, line_start - yaml_start));
      fm.first_line = 2;
      fm.body_offset = pos;
      fm.body_line = line_no + 1;
      return fm;
    }
  }
}

/// Line in the file of a YAML node (yaml-cpp marks are 0-based within the
/// front matter).
std::size_t file_line(const FrontMatter& fm, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return fm.first_line == 0 ? 1 : fm.first_line;
  return fm.first_line + static_cast<std::size_t>(mark.line);
}

class FieldReader {
 public:
  FieldReader(std::string_view path, const FrontMatter& fm, const YAML::Node& root)
      : path_(path), fm_(fm), root_(root) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    throw ArticleError(std::string(path_), file_line(fm_, node), "front matter: " + message);
  }

  /// A scalar field as text; empty when absent or null.
  std::string scalar(const char* key, const YAML::Node& node) const {
    if (!node || node.IsNull()) return {};
    if (!node.IsScalar()) fail(node, std::string("'") + key + "' must be a single value");
    return std::string(trim(node.Scalar()));
  }

  std::string scalar(const char* key) const { return scalar(key, root_[key]); }

  /// A list of short scalars; a comma-separated string is accepted too,
  /// because writers type `tags: vpn, wifi`.
  std::vector<std::string> list(const char* key) const {
    std::vector<std::string> out;
    for (auto& [item, line] : list_with_lines(key)) out.push_back(std::move(item));
    return out;
  }

  /// list(), each item with its line in the file: a list item's own line,
  /// or the key's for a comma-separated value.
  std::vector<std::pair<std::string, std::size_t>> list_with_lines(const char* key) const {
    const YAML::Node node = root_[key];
    std::vector<std::pair<std::string, std::size_t>> out;
    if (!node || node.IsNull()) return out;
    if (node.IsScalar()) {
      const std::size_t line = file_line(fm_, node);
      std::string_view rest = node.Scalar();
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view item = trim(rest.substr(0, comma));
        if (!item.empty()) out.emplace_back(std::string(item), line);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (node.IsSequence()) {
      if (node.size() > kMaxListItems) {
        fail(node, std::string("'") + key + "' has more than " + std::to_string(kMaxListItems) +
                       " items");
      }
      for (const auto& item : node) {
        if (!item.IsScalar()) fail(node, std::string("every item of '") + key + "' must be a single value");
        const std::string_view v = trim(item.Scalar());
        if (!v.empty()) out.emplace_back(std::string(v), file_line(fm_, item));
      }
    } else {
      fail(node, std::string("'") + key + "' must be a list");
    }
    return out;
  }

  const YAML::Node& root() const { return root_; }

 private:
  static constexpr std::size_t kMaxListItems = 100;
  std::string_view path_;
  const FrontMatter& fm_;
  const YAML::Node& root_;
};

bool parse_bool(const std::string& v, bool& out) {
  const std::string lower = to_lower(v);
  if (lower == "true" || lower == "yes" || lower == "on") {
    out = true;
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "off" || lower.empty()) {
    out = false;
    return true;
  }
  return false;
}

std::string title_from_first_heading(std::string_view body) {
  // Only an ATX level-1 heading outside code fences counts.
  bool in_fence = false;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::size_t end = body.find('\n', pos);
    std::string_view line = body.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? body.size() : end + 1;
    const std::string_view t = trim(line);
    if (t.substr(0, 3) == "```" || t.substr(0, 3) == "~~~") {
      in_fence = !in_fence;
      continue;
    }
    if (in_fence) continue;
    if (t.size() > 2 && t[0] == '#' && t[1] == ' ') {
      std::string_view title = trim(t.substr(2));
      while (!title.empty() && title.back() == '#') title.remove_suffix(1);
      return std::string(trim(title));
    }
  }
  return {};
}

/// A key written twice keeps only its first value, and a mistyped key
/// ("tilte", "slgu") is ignored like any key kb does not read (imported
/// articles carry many): both would be silent, so both warn.
void warn_about_keys(const FrontMatter& fm, const YAML::Node& root, Article& a) {
  std::set<std::string> seen;
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) continue;
    const std::string key = entry.first.Scalar();
    const std::size_t line = file_line(fm, entry.first);
    if (!seen.insert(key).second) {
      a.warnings.emplace_back(line, "'" + key + "' is given twice; the first value is used");
      continue;
    }
    if (std::find_if(std::begin(kKnownKeys), std::end(kKnownKeys), [&](const char* k) { return key == k; }) !=
        std::end(kKnownKeys)) {
      continue;
    }
    for (const char* known : kKnownKeys) {
      const unsigned limit = std::string_view(known).size() > 5 ? 2 : 1;
      if (key.size() >= 3 && edit_distance(key, known, limit) <= limit) {
        a.warnings.emplace_back(line, "unknown key '" + key + "' (did you mean '" + known + "'?); ignored");
        break;
      }
    }
  }
}

}  // namespace

/// Today's date (UTC) @p days from now, "YYYY-MM-DD".
static std::string utc_date_in_days(int days) {
  const std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string normalise_date(std::string_view text) {
  const std::string_view t = trim(text);
  auto digits = [&](std::size_t from, std::size_t n) {
    if (from + n > t.size()) return false;
    for (std::size_t i = from; i < from + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  // A time may follow ("2024-01-05T10:00", "2024-01-05 10:00:00Z"), nothing else.
  const bool time_follows = t.size() >= 16 && (t[10] == 'T' || t[10] == ' ') && digits(11, 2) && t[13] == ':' && digits(14, 2);
  if (digits(0, 4) && t.size() >= 10 && t[4] == '-' && digits(5, 2) && t[7] == '-' && digits(8, 2) &&
      (t.size() == 10 || time_follows)) {
    y = std::stoi(std::string(t.substr(0, 4)));
    m = std::stoi(std::string(t.substr(5, 2)));
    d = std::stoi(std::string(t.substr(8, 2)));
  } else {
    // M/D/YYYY or MM/DD/YYYY
    const std::size_t s1 = t.find('/');
    const std::size_t s2 = s1 == std::string_view::npos ? s1 : t.find('/', s1 + 1);
    if (s2 == std::string_view::npos || s1 == 0 || s1 > 2 || s2 - s1 - 1 == 0 || s2 - s1 - 1 > 2 ||
        t.size() - s2 - 1 != 4 || !digits(0, s1) || !digits(s1 + 1, s2 - s1 - 1) || !digits(s2 + 1, 4)) {
      return {};
    }
    m = std::stoi(std::string(t.substr(0, s1)));
    d = std::stoi(std::string(t.substr(s1 + 1, s2 - s1 - 1)));
    y = std::stoi(std::string(t.substr(s2 + 1)));
  }
  // Any Gregorian date of a four-digit year (there is no year 0): an
  // article may record when an old standard or event was dated.
  static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > days[m - 1]) return {};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && d == 29 && !leap) return {};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

std::string article_skeleton(const std::string& title, const std::string& slug, const std::string& category,
                             const std::string& lang, const std::string& date) {
  auto quoted = [](const std::string& v) {
    std::string out = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      if (c != '\n' && c != '\r') out += c;
    }
    return out + "\"";
  };
  return "---\n"
         "title: " + quoted(title) + "\n"
         "slug: " + slug + "\n"
         "summary: \"\"                 # one or two sentences: what this solves\n"
         "category: " + category + "\n"
         "tags: []\n"
         "lang: " + lang + "\n"
         "updated: " + date + "\n"
         "# review_by: YYYY-MM-DD        # kb-index --check warns after this date\n"
         "# aliases: [old-slug]\n"
         "draft: true                    # remove when ready to publish\n"
         "---\n\n"
         "## Symptoms\n\n"
         "What the person sees: the exact error message, in backticks, and where it appears.\n\n"
         "## Cause\n\n"
         "Why it happens, in a sentence or two.\n\n"
         "## Resolution\n\n"
         "1. The first thing to try.\n"
         "2. The next step.\n\n"
         "## If it still does not work\n\n"
         "What to include when opening a ticket.\n";
}

std::string normalise_lang(std::string_view text) {
  std::string out;
  std::size_t part_len = 0;
  std::size_t part_index = 0;
  for (char c : trim(text)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '-' || c == '_') {
      if (part_len == 0) return {};
      out += '-';
      part_len = 0;
      ++part_index;
      continue;
    }
    if (!std::isalnum(u) || u >= 0x80) return {};
    if (part_index == 0 && !std::isalpha(u)) return {};
    out += static_cast<char>(std::tolower(u));
    if (++part_len > 8) return {};
  }
  const std::size_t primary = out.find('-') == std::string::npos ? out.size() : out.find('-');
  if (part_len == 0 || primary < 2 || primary > 3) return {};
  return out;
}

Article parse_article(std::string_view path, std::string_view text) {
  const std::string path_str(path);
  if (text.size() > kMaxArticleBytes) {
    throw ArticleError(path_str, 1, "file is " + std::to_string(text.size()) + " bytes, over the limit of " +
                                        std::to_string(kMaxArticleBytes) + " bytes");
  }
  if (const auto bad = find_invalid_utf8(text)) {
    throw ArticleError(path_str, line_of_offset(text, *bad),
                       "invalid UTF-8 at byte " + std::to_string(*bad));
  }
  if (text.find('\0') != std::string_view::npos) {
    throw ArticleError(path_str, line_of_offset(text, text.find('\0')), "NUL byte in file");
  }
  Article a;
  a.path = path_str;
  a.source = std::string(text);
  std::string_view content = text;
  std::size_t bom = 0;
  if (content.substr(0, 3) == "\xEF\xBB\xBF") bom = 3;
  const FrontMatter fm = split_front_matter(path, content.substr(bom));
  a.body = std::string(content.substr(bom + fm.body_offset));
  a.body_line = fm.body_line;

  YAML::Node root;
  if (fm.first_line != 0) {
    try {
      root = YAML::Load(fm.yaml);
    } catch (const YAML::Exception& e) {
      if (const std::size_t line = unclosed_value_line(fm.yaml, "[{"); line != 0) {
        throw ArticleError(path_str, fm.first_line + line - 1, "front matter: this list or mapping is never closed");
      }
      const std::size_t line = e.mark.line >= 0 ? fm.first_line + static_cast<std::size_t>(e.mark.line) : 1;
      throw ArticleError(path_str, line, "front matter: " + e.msg);
    }
    if (const std::size_t line = unclosed_value_line(fm.yaml, "\"'"); line != 0) {
      throw ArticleError(path_str, fm.first_line + line - 1, "front matter: this quoted value is never closed");
    }
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) {
      throw ArticleError(path_str, fm.first_line, "front matter: must be a mapping of 'key: value' lines");
    }
  } else {
    root = YAML::Node(YAML::NodeType::Map);
  }

  try {
    FieldReader fields(path, fm, root);
    a.title = collapse_whitespace(fields.scalar("title"));
    if (a.title.empty()) {
      a.title = collapse_whitespace(title_from_first_heading(a.body));
      a.title_from_heading = !a.title.empty();
    }
    if (a.title.empty()) {
      const std::size_t line = root["title"] ? file_line(fm, root["title"]) : (fm.first_line ? fm.first_line : 1);
      throw ArticleError(path_str, line,
                         fm.first_line ? "front matter: missing 'title'"
                                       : "no front matter and no '# ' heading to take a title from");
    }
    a.summary = collapse_whitespace(fields.scalar("summary"));
    if (a.summary.empty()) a.summary = collapse_whitespace(fields.scalar("description"));
    a.category = fields.scalar("category");
    // Tags are filed in lower case (filing_term): "VPN" and "vpn" are one
    // tag, shown as first written; empty ones are none.
    std::set<std::string> seen_tags;
    for (const std::string& raw : fields.list("tags")) {
      std::string tag = collapse_whitespace(raw);
      if (!tag.empty() && seen_tags.insert(to_lower(tag)).second) a.tags.push_back(std::move(tag));
    }
    for (auto& [alias, line] : fields.list_with_lines("aliases")) {
      a.alias_lines.emplace(alias, line);  // an alias written twice: its first line
      a.aliases.push_back(std::move(alias));
    }

    const std::string lang = fields.scalar("lang");
    if (!lang.empty()) {
      a.lang = normalise_lang(lang);
      if (a.lang.empty()) fields.fail(root["lang"], "'lang' is not a BCP 47 language tag: '" + lang + "'");
    }

    const std::string updated = fields.scalar("updated");
    if (!updated.empty()) {
      a.updated = normalise_date(updated);
      if (a.updated.empty()) fields.fail(root["updated"], "'updated' is not a date (YYYY-MM-DD): '" + updated + "'");
      // A date ahead would keep the article first among "recently updated"
      // for years; a day ahead is a time zone.
      if (!a.updated.empty() && a.updated > utc_date_in_days(1)) {
        a.warnings.emplace_back(file_line(fm, root["updated"]), "'updated' " + a.updated + " is in the future");
      }
    } else {
      // Fall back to the date fields other doc systems use. One that is
      // no date is a warning, not an error: 'updated' is kb's own field,
      // these come with imported articles, which should still be published.
      std::vector<std::pair<std::size_t, std::string>> not_dates;
      for (const char* key : {"date", "ms.date"}) {
        if (!root[key] || !root[key].IsScalar() || root[key].Scalar().empty()) continue;
        a.updated = normalise_date(root[key].Scalar());
        if (!a.updated.empty()) break;
        not_dates.emplace_back(file_line(fm, root[key]),
                               std::string("'") + key + "' is not a date: '" + root[key].Scalar() + "'");
      }
      for (auto& [line, message] : not_dates) {
        a.warnings.emplace_back(line, message + (a.updated.empty() ? "; the article has no date" : "; the other date is used"));
      }
    }

    warn_about_keys(fm, root, a);

    const std::string draft = fields.scalar("draft");
    if (!parse_bool(draft, a.draft)) fields.fail(root["draft"], "'draft' must be true or false");

    const std::string slug = fields.scalar("slug");
    if (!slug.empty()) {
      if (!is_valid_slug(slug)) {
        fields.fail(root["slug"], "'slug' must be lower-case letters, digits, '-' or '_': '" + slug + "'");
      }
      a.slug = slug;
      a.slug_line = file_line(fm, root["slug"]);
    } else {
      const std::string stem = std::filesystem::path(path_str).stem().string();
      a.slug = slug_from_file_stem(stem);
      if (a.slug.empty()) {
        throw ArticleError(path_str, 1, "cannot make a slug from the file name; add 'slug:' to the front matter");
      }
      a.slug_line = 1;
      a.slug_from_file_name = true;
    }
    const std::string review_by = fields.scalar("review_by");
    if (!review_by.empty()) {
      a.review_by = normalise_date(review_by);
      if (a.review_by.empty()) fields.fail(root["review_by"], "'review_by' is not a date (YYYY-MM-DD): '" + review_by + "'");
      a.review_by_line = file_line(fm, root["review_by"]);
    }
    if (root["updated"]) a.updated_line = file_line(fm, root["updated"]);
    a.translation_of = fields.scalar("translation_of");
    if (!a.translation_of.empty() && !is_valid_slug(a.translation_of)) {
      fields.fail(root["translation_of"], "'translation_of' must be the slug of an article: '" + a.translation_of + "'");
    }
    if (!a.translation_of.empty()) a.translation_of_line = file_line(fm, root["translation_of"]);
    a.promote_for = fields.list("promote_for");
    for (const auto& alias : a.aliases) {
      if (!is_valid_slug(alias)) {
        throw ArticleError(path_str, a.alias_line(alias), "front matter: alias is not a valid slug: '" + alias + "'");
      }
    }
  } catch (const YAML::Exception& e) {
    const std::size_t line = e.mark.line >= 0 ? fm.first_line + static_cast<std::size_t>(e.mark.line) : 1;
    throw ArticleError(path_str, line, "front matter: " + e.msg);
  }
  return a;
}

}  // namespace kb
