//===- ByteStream.h - Little-endian fixed-width fields ------------*- C++ -*-===//
///
/// \file
/// The two halves of the section encoding: ByteWriter appends fields,
/// ByteReader reads them back with bounds checks. A read past the end sets a
/// sticky failure flag (and yields zeros), so decoders check once per section.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_IMAGE_BYTESTREAM_H
#define QNN_RUNTIME_IMAGE_BYTESTREAM_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/Endian.h"
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace qnn::image {

class ByteWriter {
public:
  explicit ByteWriter(std::vector<uint8_t> &Out) : Out(Out) {}

  template <typename T> void write(T V) {
    if constexpr (std::is_same_v<T, float>) {
      write(llvm::bit_cast<uint32_t>(V));
    } else if constexpr (std::is_same_v<T, double>) {
      write(llvm::bit_cast<uint64_t>(V));
    } else {
      static_assert(std::is_integral_v<T>, "fixed-width integer fields only");
      uint8_t Buf[sizeof(T)];
      llvm::support::endian::write<T, llvm::support::little, llvm::support::unaligned>(Buf, V);
      Out.insert(Out.end(), Buf, Buf + sizeof(T));
    }
  }
  /// A u32 count followed by the elements.
  template <typename T> void writeVector(const std::vector<T> &V) {
    write(static_cast<uint32_t>(V.size()));
    for (const T &E : V)
      write(E);
  }
  void writeBytes(llvm::ArrayRef<uint8_t> Bytes) {
    Out.insert(Out.end(), Bytes.begin(), Bytes.end());
  }
  size_t size() const { return Out.size(); }

private:
  std::vector<uint8_t> &Out;
};

class ByteReader {
public:
  explicit ByteReader(llvm::ArrayRef<uint8_t> Data) : Data(Data) {}

  template <typename T> T read() {
    if constexpr (std::is_same_v<T, float>) {
      return llvm::bit_cast<float>(read<uint32_t>());
    } else if constexpr (std::is_same_v<T, double>) {
      return llvm::bit_cast<double>(read<uint64_t>());
    } else {
      static_assert(std::is_integral_v<T>, "fixed-width integer fields only");
      if (!canRead(sizeof(T)))
        return T();
      T V = llvm::support::endian::read<T, llvm::support::little, llvm::support::unaligned>(
          Data.data() + Pos);
      Pos += sizeof(T);
      return V;
    }
  }
  /// Reads a u32 count and the elements; a count larger than the bytes left
  /// fails before anything is allocated.
  template <typename T> std::vector<T> readVector() {
    uint32_t N = read<uint32_t>();
    if (!canRead(static_cast<uint64_t>(N) * sizeof(T)))
      return {};
    std::vector<T> V(N);
    for (T &E : V)
      E = read<T>();
    return V;
  }
  llvm::ArrayRef<uint8_t> readBytes(uint64_t N) {
    if (!canRead(N))
      return {};
    llvm::ArrayRef<uint8_t> R = Data.slice(Pos, N);
    Pos += N;
    return R;
  }
  /// Whether \p N more bytes exist; if not, the reader fails.
  bool canRead(uint64_t N) {
    if (Failed || N > Data.size() - Pos) {
      Failed = true;
      return false;
    }
    return true;
  }
  bool failed() const { return Failed; }
  bool atEnd() const { return Pos == Data.size(); }
  size_t offset() const { return Pos; }

private:
  llvm::ArrayRef<uint8_t> Data;
  size_t Pos = 0;
  bool Failed = false;
};

/// Strings interned in order of first use (deterministic indices).
class StringTableBuilder {
public:
  uint32_t intern(const std::string &S) {
    auto [It, Inserted] = Index.try_emplace(S, static_cast<uint32_t>(Strings.size()));
    if (Inserted)
      Strings.push_back(S);
    return It->second;
  }
  const std::vector<std::string> &strings() const { return Strings; }

private:
  llvm::StringMap<uint32_t> Index;
  std::vector<std::string> Strings;
};

/// The encoding direction of the section mappers in ImageSections.h: one
/// template describes each section's fields for both writing and reading, so
/// the two cannot drift apart.
class SectionEncoder {
public:
  static constexpr bool Reading = false;
  SectionEncoder(std::vector<uint8_t> &Out, StringTableBuilder &Strings)
      : W(Out), Strings(Strings) {}

  template <typename T> void scalar(const T &V) { W.write(V); }
  template <typename T> void vector(const std::vector<T> &V) { W.writeVector(V); }
  template <typename E> void enumeration(const E &V, E /*Last*/, const char * /*What*/) {
    W.write(static_cast<uint8_t>(V));
  }
  void string(const std::string &S) { W.write(Strings.intern(S)); }
  ByteWriter &writer() { return W; }

private:
  ByteWriter W;
  StringTableBuilder &Strings;
};

/// The decoding direction: fields are read into the structs; the first
/// problem (truncation, an unknown enumerator, a bad string index) is kept.
class SectionDecoder {
public:
  static constexpr bool Reading = true;
  SectionDecoder(llvm::ArrayRef<uint8_t> Data, const std::vector<std::string> &Strings)
      : R(Data), Strings(Strings) {}

  template <typename T> void scalar(T &V) { V = R.read<T>(); }
  template <typename T> void vector(std::vector<T> &V) { V = R.readVector<T>(); }
  template <typename E> void enumeration(E &V, E Last, const char *What) {
    uint8_t Raw = R.read<uint8_t>();
    if (Raw > static_cast<uint8_t>(Last))
      fail(std::string("unknown ") + What + " " + std::to_string(Raw));
    V = static_cast<E>(Raw);
  }
  void string(std::string &S) {
    uint32_t Index = R.read<uint32_t>();
    if (R.failed())
      return;
    if (Index >= Strings.size())
      return fail("string index " + std::to_string(Index) + " out of range (the table has " +
                  std::to_string(Strings.size()) + ")");
    S = Strings[Index];
  }
  void fail(std::string Message) {
    if (Problem.empty())
      Problem = std::move(Message);
  }
  /// The first problem, or "" when everything decoded and nothing is left over.
  std::string problem() {
    if (!Problem.empty())
      return Problem;
    if (R.failed())
      return "truncated at byte " + std::to_string(R.offset());
    if (!R.atEnd())
      return "unexpected bytes after byte " + std::to_string(R.offset());
    return "";
  }
  bool ok() const { return Problem.empty() && !R.failed(); }
  ByteReader &reader() { return R; }

private:
  ByteReader R;
  const std::vector<std::string> &Strings;
  std::string Problem;
};

} // namespace qnn::image

#endif
