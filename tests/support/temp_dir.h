/** @file temp_dir.h
 *  @brief A temporary directory removed when the test ends, and helpers to
 *  write article files into it.
 */
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace kb::test {

class TempDir {
 public:
  TempDir() {
    // mkdtemp replaces the six trailing placeholder characters.
    std::string tmpl = (std::filesystem::temp_directory_path() / "kb-test-").string() + std::string(6, 'X');
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

  /// Writes @p content to @p rel (creating folders).
  std::filesystem::path write(const std::string& rel, const std::string& content) const {
    const auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

/// The whole of @p file ("" when it cannot be read).
inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// A minimal valid article.
inline std::string article(const std::string& title, const std::string& body, const std::string& extra = "") {
  return "---\ntitle: \"" + title + "\"\n" + extra + "---\n" + body + "\n";
}

}  // namespace kb::test
