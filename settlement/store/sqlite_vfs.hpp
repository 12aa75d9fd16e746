#pragma once
// A SQLite VFS over another one: every call passes through to the VFS below, except the
// write-type calls of a file (xWrite, xTruncate, xSync), which go to the functions given, with the
// file below to act on. The store gives its writer's commits steps this way (sqlite.cpp); tests
// inject faults with it.

#include <sqlite3.h>

#include <string>

namespace zkr::settlement::sqlite_vfs {

/// What a file's write-type calls run instead of the VFS below's. A null entry passes the call
/// through; each given one receives the file below (and usually ends by calling its pMethods).
struct WriteCalls {
  int (*write)(sqlite3_file* below, const void* data, int amount, sqlite3_int64 offset) = nullptr;
  int (*truncate)(sqlite3_file* below, sqlite3_int64 size) = nullptr;
  int (*sync)(sqlite3_file* below, int flags) = nullptr;
};

/// Registers a VFS named `name` over `below` (the default VFS when null), the default of the
/// process if `make_default`, and returns it; a VFS of that name registered before is returned as
/// it is. Null (with SQLite's reason in `error`) when it cannot be registered. Registered VFSs
/// live as long as the process.
sqlite3_vfs* register_over(sqlite3_vfs* below, const std::string& name, const WriteCalls& calls,
                           bool make_default, std::string* error = nullptr);

}  // namespace zkr::settlement::sqlite_vfs
