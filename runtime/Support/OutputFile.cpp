//===- OutputFile.cpp - Whole files written atomically --------------------===//
#include "qnn/Support/OutputFile.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qnn {

namespace {

/// Why \p Path must not be replaced, or "" when it is a regular file or
/// does not exist yet.
std::string notRegularFile(const std::string &Path) {
  struct stat St;
  if (::lstat(Path.c_str(), &St) != 0)
    return "";
  if (S_ISREG(St.st_mode))
    return "";
  if (S_ISLNK(St.st_mode))
    return "a symbolic link";
  if (S_ISCHR(St.st_mode) || S_ISBLK(St.st_mode))
    return "a device";
  if (S_ISFIFO(St.st_mode))
    return "a FIFO";
  if (S_ISDIR(St.st_mode))
    return "a directory";
  return "not a regular file";
}

llvm::Error systemError(llvm::StringRef Path, llvm::StringRef What) {
  return makeError("{}: {}: {}", Path.str(), What.str(), std::strerror(errno));
}

llvm::Error writeAll(int FD, llvm::StringRef Bytes, llvm::StringRef Path) {
  while (!Bytes.empty()) {
    ssize_t N = ::write(FD, Bytes.data(), Bytes.size());
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return systemError(Path, "write failed");
    Bytes = Bytes.drop_front(static_cast<size_t>(N));
  }
  return llvm::Error::success();
}

/// Writes through an O_TMPFILE file, which has no name until linkat gives it
/// one: a process killed before that leaves nothing. An existing destination
/// is replaced by rename from a temporary name, the one moment (between two
/// system calls) at which SIGKILL could leave that name behind. Returns
/// false, writing nothing, where the file system lacks O_TMPFILE.
llvm::Expected<bool> writeThroughUnnamedFile(const std::string &Path, const std::string &Dir,
                                             llvm::StringRef Bytes) {
  int FD = ::open(Dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  if (FD < 0) {
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
      return false;
    return systemError(Path, "cannot create the output file");
  }
  auto Close = llvm::make_scope_exit([FD] { ::close(FD); });
  if (llvm::Error E = writeAll(FD, Bytes, Path))
    return E;
  std::string Proc = "/proc/self/fd/" + std::to_string(FD);
  if (::linkat(AT_FDCWD, Proc.c_str(), AT_FDCWD, Path.c_str(), AT_SYMLINK_FOLLOW) == 0)
    return true;
  if (errno != EEXIST)
    return systemError(Path, "cannot create the output file");
  llvm::SmallString<256> Temp;
  for (unsigned Attempt = 0;; ++Attempt) {
    llvm::sys::fs::createUniquePath(Path + ".tmp-%%%%%%", Temp, /*MakeAbsolute=*/false);
    if (::linkat(AT_FDCWD, Proc.c_str(), AT_FDCWD, Temp.c_str(), AT_SYMLINK_FOLLOW) == 0)
      break;
    if (errno != EEXIST || Attempt == 16)
      return systemError(Path, "cannot create the output file");
  }
  if (::rename(Temp.c_str(), Path.c_str()) != 0) {
    llvm::Error E = systemError(Path, "cannot replace the output file");
    ::unlink(Temp.c_str());
    return E;
  }
  return true;
}

/// The portable way: a named temporary renamed into place (LLVM removes it
/// on an error or a catchable signal).
llvm::Error writeThroughTempFile(llvm::StringRef Path, llvm::StringRef Bytes) {
  auto Temp = llvm::sys::fs::TempFile::create(Path + ".tmp-%%%%%%");
  if (!Temp)
    return addContext(Temp.takeError(), Path + ": cannot create a temporary file");
  if (llvm::Error E = writeAll(Temp->FD, Bytes, Path)) {
    llvm::consumeError(Temp->discard());
    return E;
  }
  if (llvm::Error E = Temp->keep(Path))
    return addContext(std::move(E), Path);
  return llvm::Error::success();
}

} // namespace

llvm::Error writeOutputFile(llvm::StringRef Path, llvm::StringRef Bytes) {
  if (Path == "-") {
    llvm::outs() << Bytes;
    llvm::outs().flush();
    return llvm::Error::success();
  }
  std::string P = Path.str();
  std::string Kind = notRegularFile(P);
  if (!Kind.empty())
    return makeError("{}: refusing to replace {} with the output; give the path of a regular "
                     "file",
                     P, Kind);
  llvm::StringRef Parent = llvm::sys::path::parent_path(Path);
  std::string Dir = Parent.empty() ? "." : Parent.str();
  llvm::Expected<bool> Written = writeThroughUnnamedFile(P, Dir, Bytes);
  if (!Written)
    return Written.takeError();
  if (*Written)
    return llvm::Error::success();
  return writeThroughTempFile(Path, Bytes);
}

} // namespace qnn
