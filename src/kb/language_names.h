/** @file language_names.h
 *  @brief What a language is called by those who speak it ("ko" ->
 *  "한국어"): how the pages name languages to people (the interface
 *  languages, an article's other versions, the language filter), never by
 *  their codes.
 */
#pragma once

#include <string>

namespace kb {

/// The name of the language of BCP 47 tag @p tag in that language: its
/// primary subtag's ("pt-br" -> "Português"), with the tag after it when
/// it names a region or script ("Português (pt-br)"), since a knowledge
/// base may have two of one language. A language without a name here is
/// its tag.
std::string language_name(const std::string& tag);

}  // namespace kb
