/** @file page_shell.cpp
 *  @brief Pages filled per request, and gzip built from pre-deflated parts.
 */
#include "kb/page_shell.h"

#include "kb/text.h"

#include <zlib.h>

#include <stdexcept>

namespace kb {

namespace {

constexpr int kGzipWindowBits = 15 + 16;  // zlib: +16 = gzip header and trailer
constexpr int kRawWindowBits = -15;       // zlib: negative = raw deflate

/// Runs @p stream over @p input with @p flush until zlib has written
/// everything, appending to @p out.
void deflate_all(z_stream& stream, std::string_view input, int flush, std::string& out) {
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  char buf[16384];
  do {
    stream.next_out = reinterpret_cast<Bytef*>(buf);
    stream.avail_out = sizeof buf;
    const int rc = deflate(&stream, flush);
    if (rc == Z_STREAM_ERROR) throw std::runtime_error("deflate failed");
    out.append(buf, sizeof buf - stream.avail_out);
  } while (stream.avail_out == 0);
}

std::string deflate_with(int window_bits, std::string_view data, int flush) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  out.reserve(data.size() / 3 + 64);
  try {
    deflate_all(stream, data, flush, out);
  } catch (...) {
    deflateEnd(&stream);
    throw;
  }
  deflateEnd(&stream);
  return out;
}

void put_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFFu);
}

/// @p data as stored (uncompressed) deflate blocks, none of them final.
/// Only valid where the stream is on a byte boundary.
void put_stored(std::string& out, std::string_view data) {
  while (!data.empty()) {
    const std::size_t n = std::min<std::size_t>(data.size(), 65535);
    out += '\0';  // BFINAL 0, BTYPE 00, then padding to the byte boundary
    out += static_cast<char>(n & 0xFFu);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(~n & 0xFFu);
    out += static_cast<char>((~n >> 8) & 0xFFu);
    out.append(data.data(), n);
    data.remove_prefix(n);
  }
}

}  // namespace

std::string gzip_compress(std::string_view data) { return deflate_with(kGzipWindowBits, data, Z_FINISH); }

std::string gzip_decompress(std::string_view gz) {
  z_stream stream{};
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) throw std::runtime_error("inflateInit2 failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  stream.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buf);
    stream.avail_out = sizeof buf;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buf, sizeof buf - stream.avail_out);
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // truncated
  }
  const bool whole = rc == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  if (!whole) throw std::runtime_error("not a complete gzip stream");
  return out;
}

PageShell::PageShell(std::string_view rendered, const std::vector<std::string>& markers) {
  std::size_t pos = 0;
  while (true) {
    std::size_t next = std::string_view::npos;
    int slot = -1;
    for (std::size_t i = 0; i < markers.size(); ++i) {
      if (markers[i].empty()) continue;
      const std::size_t at = rendered.find(markers[i], pos);
      if (at < next) {
        next = at;
        slot = static_cast<int>(i);
      }
    }
    Part part;
    part.text = std::string(rendered.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    part.slot = slot;
    parts_.push_back(std::move(part));
    if (slot < 0) break;
    pos = next + markers[static_cast<std::size_t>(slot)].size();
  }
  for (Part& p : parts_) {
    // A sync flush ends the part on a byte boundary; a fresh stream per
    // part means no part refers back into the one before it, whatever
    // bytes a request puts between them.
    if (!p.text.empty()) p.deflated = deflate_with(kRawWindowBits, p.text, Z_SYNC_FLUSH);
    p.crc = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(p.text.data()), static_cast<uInt>(p.text.size())));
    bytes_ += p.text.size() + p.deflated.size() + sizeof(Part);
  }
}

std::string PageShell::fill(const std::vector<std::string>& values) const {
  std::string out;
  out.reserve(parts_.empty() ? 0 : parts_.size() * 64 + bytes_ / 2);
  for (const Part& p : parts_) {
    out += p.text;
    if (p.slot >= 0 && static_cast<std::size_t>(p.slot) < values.size()) out += html_escape(values[static_cast<std::size_t>(p.slot)]);
  }
  return out;
}

std::string PageShell::fill_gzip(const std::vector<std::string>& values) const {
  std::string out;
  out.reserve(bytes_ / 4 + 64);
  // Header: magic, deflate, no flags, no time, no extra flags, OS unknown.
  out.append("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  uLong crc = crc32(0L, Z_NULL, 0);
  std::uint64_t size = 0;
  for (const Part& p : parts_) {
    out += p.deflated;
    crc = crc32_combine(crc, p.crc, static_cast<z_off_t>(p.text.size()));
    size += p.text.size();
    if (p.slot < 0 || static_cast<std::size_t>(p.slot) >= values.size()) continue;
    const std::string value = html_escape(values[static_cast<std::size_t>(p.slot)]);
    put_stored(out, value);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(value.data()), static_cast<uInt>(value.size()));
    size += value.size();
  }
  out.append("\x01\x00\x00\xff\xff", 5);  // an empty final stored block
  put_le32(out, static_cast<std::uint32_t>(crc));
  put_le32(out, static_cast<std::uint32_t>(size & 0xFFFFFFFFu));
  return out;
}

}  // namespace kb
