#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn {

// ReadFile returns the whole content of `path`; fails with kNotFound if it does not exist and
// kInvalidArgument if it is larger than `max_size` bytes.
Result<std::string> ReadFile(const std::string& path, size_t max_size = 64 << 20);

// WriteFileAtomic writes `data` to `path` through a temporary file in the same directory that
// is fsync'ed and renamed over `path`, so a reader sees the old or the new content, never a
// mix. The file gets permission bits `mode` (0600 for anything holding a key).
Status WriteFileAtomic(const std::string& path, std::string_view data, int mode = 0644);

// MakeDirs creates `path` and its missing parents with permission bits `mode`.
Status MakeDirs(const std::string& path, int mode = 0755);

// FileExists reports whether `path` names an existing file or directory.
bool FileExists(const std::string& path);

// JoinPath joins two path pieces with exactly one '/'. An absolute `rel` is returned as is.
std::string JoinPath(std::string_view base, std::string_view rel);

// ExpandHome replaces a leading "~/" with $HOME.
std::string ExpandHome(std::string_view path);

}  // namespace cairn
