//===- TempDir.h - A scratch directory per test ------------------*- C++ -*-===//
#ifndef QNN_TEST_UNIT_COMMON_TEMPDIR_H
#define QNN_TEST_UNIT_COMMON_TEMPDIR_H

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <string>
#include <vector>

namespace qnn::test {

/// A fresh directory for the files of one test, removed with the test.
class TempDir {
public:
  TempDir() {
    llvm::SmallString<128> Dir;
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("qnn-test", Dir));
    Path = std::string(Dir);
  }
  ~TempDir() { llvm::sys::fs::remove_directories(Path); }

  /// The names of the directory's entries, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> Names;
    std::error_code EC;
    for (llvm::sys::fs::directory_iterator It(Path, EC), End; It != End && !EC; It.increment(EC))
      Names.push_back(llvm::sys::path::filename(It->path()).str());
    std::sort(Names.begin(), Names.end());
    return Names;
  }

  std::string Path;
};

} // namespace qnn::test

#endif
