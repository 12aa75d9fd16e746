#pragma once
// Faults in the store's file layer, for tests: a SQLite VFS that passes every call to the
// platform's own VFS and, when armed, fails or kills the process at the n-th write-type call
// (xWrite, xSync, xTruncate) on any database, journal or WAL file. install() makes it the default
// VFS of the process, so the engine opens its files through it unchanged.
//
//   kDiskFull  the write stores the first half of its bytes and returns SQLITE_FULL (a disk that
//              fills up inside a write); syncs and truncations still succeed
//   kIoError   the call returns SQLITE_IOERR_WRITE / _FSYNC / _TRUNCATE without touching the file
//   kKill      the process sends itself SIGKILL before the call (kill -9 at that exact point)
//
// With `sticky` the fault repeats on every later write-type call until disarm() (the disk stays
// full); otherwise it fires once.

#include <cstdint>

namespace zkr::testing::faults {

enum class Fault { kDiskFull, kIoError, kKill };

/// Registers the fault VFS as the default (idempotent). Call before opening any database.
void install();

/// Fires `fault` at the `nth` write-type call from now (1 = the next one).
void arm(Fault fault, std::int64_t nth, bool sticky = false);
void disarm();

/// How many times a fault fired since the last arm().
std::int64_t fired();

}  // namespace zkr::testing::faults
