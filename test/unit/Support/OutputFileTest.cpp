//===- OutputFileTest.cpp - Outputs appear whole or not at all ------------===//
#include "qnn/Support/OutputFile.h"
#include "../Common/TempDir.h"
#include "llvm/Support/MemoryBuffer.h"
#include "gtest/gtest.h"
#include <csignal>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace qnn;
using qnn::test::TempDir;

namespace {

std::string readWhole(const std::string &Path) {
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  return Buf ? (*Buf)->getBuffer().str() : "<unreadable>";
}

std::string errorOf(llvm::Error E) { return E ? llvm::toString(std::move(E)) : ""; }

TEST(OutputFile, WritesAndReplacesRegularFiles) {
  TempDir Tmp;
  std::string Path = Tmp.Path + "/out.bin";
  ASSERT_EQ(errorOf(writeOutputFile(Path, "first")), "");
  EXPECT_EQ(readWhole(Path), "first");
  ASSERT_EQ(errorOf(writeOutputFile(Path, "second, longer")), "");
  EXPECT_EQ(readWhole(Path), "second, longer");
  EXPECT_EQ(Tmp.entries(), std::vector<std::string>{"out.bin"});
}

TEST(OutputFile, RefusesWhatIsNotARegularFile) {
  TempDir Tmp;
  std::string Target = Tmp.Path + "/target", Link = Tmp.Path + "/link", Fifo = Tmp.Path + "/fifo",
              Sub = Tmp.Path + "/sub";
  ASSERT_EQ(errorOf(writeOutputFile(Target, "kept")), "");
  ASSERT_EQ(::symlink(Target.c_str(), Link.c_str()), 0);
  ASSERT_EQ(::mkfifo(Fifo.c_str(), 0600), 0);
  ASSERT_EQ(::mkdir(Sub.c_str(), 0700), 0);
  for (const auto &[Path, Kind] : {std::pair{Link, "a symbolic link"}, std::pair{Fifo, "a FIFO"},
                                   std::pair{Sub, "a directory"}})
    EXPECT_EQ(errorOf(writeOutputFile(Path, "new")),
              Path + ": refusing to replace " + Kind +
                  " with the output; give the path of a regular file");
  struct stat St;
  ASSERT_EQ(::lstat(Link.c_str(), &St), 0);
  EXPECT_TRUE(S_ISLNK(St.st_mode));
  EXPECT_EQ(readWhole(Target), "kept");
  EXPECT_EQ(Tmp.entries(), (std::vector<std::string>{"fifo", "link", "sub", "target"}));
}

TEST(OutputFile, MissingDirectoryLeavesNothing) {
  TempDir Tmp;
  std::string Error = errorOf(writeOutputFile(Tmp.Path + "/no/such/out.bin", "x"));
  EXPECT_NE(Error.find("no/such/out.bin: cannot create the output file"), std::string::npos)
      << Error;
  EXPECT_TRUE(Tmp.entries().empty());
}

/// SIGKILL cannot be caught, so only a file that has no name until it is
/// complete survives it cleanly: whatever moment the kill lands, every file
/// in the directory is a complete output and nothing else is there.
TEST(OutputFile, SigkillLeavesOnlyCompleteFiles) {
  const std::string Payload(16 << 20, 'q');
  std::mt19937 Rng(7);
  for (int Trial = 0; Trial < 8; ++Trial) {
    TempDir Tmp;
    // Where the file system lacks unnamed files, the portable fallback can
    // only clean up after catchable signals.
    int Probe = ::open(Tmp.Path.c_str(), O_TMPFILE | O_WRONLY, 0600);
    if (Probe < 0)
      GTEST_SKIP() << Tmp.Path << " has no O_TMPFILE";
    ::close(Probe);
    pid_t Child = ::fork();
    ASSERT_GE(Child, 0);
    if (Child == 0) {
      for (int I = 0;; ++I)
        if (writeOutputFile(Tmp.Path + "/out" + std::to_string(I), Payload))
          ::_exit(1);
    }
    ::usleep(std::uniform_int_distribution<int>(0, 60000)(Rng));
    ::kill(Child, SIGKILL);
    int Status = 0;
    ::waitpid(Child, &Status, 0);
    ASSERT_TRUE(WIFSIGNALED(Status)) << "the writer failed before it was killed";
    for (const std::string &Name : Tmp.entries()) {
      EXPECT_TRUE(Name.size() > 3 && Name.rfind("out", 0) == 0 &&
                  Name.find_first_not_of("0123456789", 3) == std::string::npos)
          << "left behind: " << Name;
      EXPECT_EQ(readWhole(Tmp.Path + "/" + Name).size(), Payload.size()) << Name;
    }
  }
}

} // namespace
