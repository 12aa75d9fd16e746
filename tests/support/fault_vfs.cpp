#include "tests/support/fault_vfs.hpp"

#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace zkr::testing::faults {
namespace {

std::atomic<int> g_fault{0};
std::atomic<std::int64_t> g_countdown{0};  // 0: disarmed
std::atomic<bool> g_sticky{false};
std::atomic<std::int64_t> g_fired{0};

sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs{};
sqlite3_io_methods g_methods{};

enum class Call { kWrite, kSync, kTruncate };

/// Whether the armed fault fires on this write-type call (kKill never returns).
bool fires(Call call) {
  const auto fault = static_cast<Fault>(g_fault.load());
  if (fault == Fault::kDiskFull && call != Call::kWrite) return false;
  std::int64_t left = g_countdown.load();
  if (left <= 0) return false;
  if (left == 1 && g_sticky.load()) {
    // Stays at 1: every later call fails too.
  } else if (!g_countdown.compare_exchange_strong(left, left - 1) || left != 1) {
    return false;
  }
  g_fired.fetch_add(1);
  if (fault == Fault::kKill) ::raise(SIGKILL);
  return true;
}

struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;  // stored right after this struct
};

sqlite3_file* real_of(sqlite3_file* f) {
  return reinterpret_cast<FaultFile*>(f)->real;
}

int fault_close(sqlite3_file* f) {
  return real_of(f)->pMethods->xClose(real_of(f));
}

int fault_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return real_of(f)->pMethods->xRead(real_of(f), out, amount, offset);
}

int fault_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = real_of(f);
  if (fires(Call::kWrite)) {
    if (static_cast<Fault>(g_fault.load()) == Fault::kIoError) return SQLITE_IOERR_WRITE;
    // Disk full: part of the write lands, then the device refuses the rest.
    if (amount / 2 > 0) (void)real->pMethods->xWrite(real, data, amount / 2, offset);
    return SQLITE_FULL;
  }
  return real->pMethods->xWrite(real, data, amount, offset);
}

int fault_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (fires(Call::kTruncate)) return SQLITE_IOERR_TRUNCATE;
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

int fault_sync(sqlite3_file* f, int flags) {
  if (fires(Call::kSync)) return SQLITE_IOERR_FSYNC;
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}

int fault_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int fault_lock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int fault_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int fault_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int fault_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int fault_sector_size(sqlite3_file* f) {
  return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int fault_device(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int fault_shm_map(sqlite3_file* f, int page, int page_size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, page_size, extend, out);
}
int fault_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void fault_shm_barrier(sqlite3_file* f) {
  real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int fault_shm_unmap(sqlite3_file* f, int remove) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), remove);
}
int fault_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real_of(f)->pMethods->xFetch(real_of(f), offset, amount, out);
}
int fault_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), offset, page);
}

int fault_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = reinterpret_cast<FaultFile*>(f);
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  std::memset(file->real, 0, static_cast<std::size_t>(g_real->szOsFile));
  const int rc = g_real->xOpen(g_real, name, file->real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set, so it is set only when the real open was.
  file->base.pMethods = file->real->pMethods != nullptr ? &g_methods : nullptr;
  return rc;
}

int fault_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
int fault_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int fault_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}

}  // namespace

void install() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_initialize();
    g_real = sqlite3_vfs_find(nullptr);
    if (g_real == nullptr || g_real->iVersion < 3) throw std::runtime_error("no SQLite VFS");
    g_methods = sqlite3_io_methods{.iVersion = 3,
                                   .xClose = fault_close,
                                   .xRead = fault_read,
                                   .xWrite = fault_write,
                                   .xTruncate = fault_truncate,
                                   .xSync = fault_sync,
                                   .xFileSize = fault_file_size,
                                   .xLock = fault_lock,
                                   .xUnlock = fault_unlock,
                                   .xCheckReservedLock = fault_check_reserved,
                                   .xFileControl = fault_file_control,
                                   .xSectorSize = fault_sector_size,
                                   .xDeviceCharacteristics = fault_device,
                                   .xShmMap = fault_shm_map,
                                   .xShmLock = fault_shm_lock,
                                   .xShmBarrier = fault_shm_barrier,
                                   .xShmUnmap = fault_shm_unmap,
                                   .xFetch = fault_fetch,
                                   .xUnfetch = fault_unfetch};
    // The remaining entry points (randomness, time, dynamic loading) take no file: the real
    // VFS's own serve unchanged.
    g_vfs = *g_real;
    g_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_real->szOsFile;
    g_vfs.zName = "zkr-fault";
    g_vfs.pNext = nullptr;
    g_vfs.xOpen = fault_open;
    g_vfs.xDelete = fault_delete;
    g_vfs.xAccess = fault_access;
    g_vfs.xFullPathname = fault_full_pathname;
    if (sqlite3_vfs_register(&g_vfs, 1) != SQLITE_OK)
      throw std::runtime_error("cannot register the fault VFS");
  });
}

void arm(Fault fault, std::int64_t nth, bool sticky) {
  disarm();
  g_fault.store(static_cast<int>(fault));
  g_sticky.store(sticky);
  g_fired.store(0);
  g_countdown.store(nth);
}

void disarm() {
  g_countdown.store(0);
}

std::int64_t fired() {
  return g_fired.load();
}

}  // namespace zkr::testing::faults
