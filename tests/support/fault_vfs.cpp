#include "tests/support/fault_vfs.hpp"

#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>

#include "settlement/store/sqlite_vfs.hpp"

namespace zkr::testing::faults {
namespace {

std::atomic<int> g_fault{0};
std::atomic<std::int64_t> g_countdown{0};  // 0: disarmed
std::atomic<bool> g_sticky{false};
std::atomic<std::int64_t> g_fired{0};

enum class Call { kWrite, kSync, kTruncate };

// Held from the countdown's last step to the fault, and by disarm(): once disarm() returns, no
// thread (the writer's checkpoint thread writes too) is still on its way to firing.
std::mutex g_firing;

/// Whether the armed fault fires on this write-type call (kKill never returns).
bool fires(Call call) {
  const auto fault = static_cast<Fault>(g_fault.load());
  if (fault == Fault::kDiskFull && call != Call::kWrite) return false;
  if (g_countdown.load() <= 0) return false;
  std::lock_guard firing(g_firing);
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

int fault_write(sqlite3_file* below, const void* data, int amount, sqlite3_int64 offset) {
  if (fires(Call::kWrite)) {
    if (static_cast<Fault>(g_fault.load()) == Fault::kIoError) return SQLITE_IOERR_WRITE;
    // Disk full: part of the write lands, then the device refuses the rest.
    if (amount / 2 > 0) (void)below->pMethods->xWrite(below, data, amount / 2, offset);
    return SQLITE_FULL;
  }
  return below->pMethods->xWrite(below, data, amount, offset);
}

int fault_truncate(sqlite3_file* below, sqlite3_int64 size) {
  if (fires(Call::kTruncate)) return SQLITE_IOERR_TRUNCATE;
  return below->pMethods->xTruncate(below, size);
}

int fault_sync(sqlite3_file* below, int flags) {
  if (fires(Call::kSync)) return SQLITE_IOERR_FSYNC;
  return below->pMethods->xSync(below, flags);
}

}  // namespace

void install() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::string error;
    if (settlement::sqlite_vfs::register_over(
            nullptr, "zkr-fault",
            settlement::sqlite_vfs::WriteCalls{
                .write = fault_write, .truncate = fault_truncate, .sync = fault_sync},
            /*make_default=*/true, &error) == nullptr)
      throw std::runtime_error("cannot register the fault VFS: " + error);
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
  std::lock_guard firing(g_firing);
  g_countdown.store(0);
}

std::int64_t fired() {
  return g_fired.load();
}

}  // namespace zkr::testing::faults
