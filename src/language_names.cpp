/** @file language_names.cpp
 *  @brief Languages' names in their own language.
 */
#include "kb/language_names.h"

#include "kb/text.h"

#include <map>

namespace kb {

std::string language_name(const std::string& tag) {
  // The languages Xapian stems and the ones a help centre is likeliest to
  // be written in; others are shown by their tag.
  static const std::map<std::string, std::string> kNames{
      {"ar", "العربية"},     {"cs", "Čeština"},   {"da", "Dansk"},      {"de", "Deutsch"},    {"el", "Ελληνικά"},
      {"en", "English"},     {"es", "Español"},   {"fi", "Suomi"},      {"fr", "Français"},   {"he", "עברית"},
      {"hi", "हिन्दी"},        {"hu", "Magyar"},    {"id", "Bahasa Indonesia"}, {"it", "Italiano"}, {"ja", "日本語"},
      {"ko", "한국어"},       {"nb", "Norsk bokmål"}, {"nl", "Nederlands"}, {"no", "Norsk"},    {"pl", "Polski"},
      {"pt", "Português"},   {"ro", "Română"},    {"ru", "Русский"},    {"sv", "Svenska"},    {"th", "ไทย"},
      {"tr", "Türkçe"},      {"uk", "Українська"}, {"vi", "Tiếng Việt"}, {"zh", "中文"}};
  const std::string lower = to_lower(tag);
  const std::string primary = primary_subtag(lower);
  const auto found = kNames.find(primary);
  if (found == kNames.end()) return tag;
  return primary == lower ? found->second : found->second + " (" + lower + ")";
}

}  // namespace kb
