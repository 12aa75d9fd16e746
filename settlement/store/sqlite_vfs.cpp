#include "settlement/store/sqlite_vfs.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <list>
#include <mutex>

namespace zkr::settlement::sqlite_vfs {
namespace {

struct Layer {
  sqlite3_vfs vfs{};
  sqlite3_vfs* below = nullptr;
  WriteCalls calls;
  std::string name;
};

// A file of a layer: the file below is stored right after it (szOsFile covers both).
struct File {
  sqlite3_file base;
  sqlite3_file* below;
  const Layer* layer;
};

File* of(sqlite3_file* f) {
  return reinterpret_cast<File*>(f);
}
sqlite3_file* below(sqlite3_file* f) {
  return of(f)->below;
}
const sqlite3_io_methods& m(sqlite3_file* f) {
  return *below(f)->pMethods;
}
Layer* layer_of(sqlite3_vfs* vfs) {
  return static_cast<Layer*>(vfs->pAppData);
}

int write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  if (const auto call = of(f)->layer->calls.write) return call(below(f), data, amount, offset);
  return m(f).xWrite(below(f), data, amount, offset);
}
int truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (const auto call = of(f)->layer->calls.truncate) return call(below(f), size);
  return m(f).xTruncate(below(f), size);
}
int sync(sqlite3_file* f, int flags) {
  if (const auto call = of(f)->layer->calls.sync) return call(below(f), flags);
  return m(f).xSync(below(f), flags);
}

// Each io-methods version SQLite knows, so that a layer file offers no more than the one below.
const sqlite3_io_methods* methods_for(int version) {
  static const auto table = [] {
    sqlite3_io_methods v3{
        .iVersion = 3,
        .xClose = [](sqlite3_file* f) { return m(f).xClose(below(f)); },
        .xRead = [](sqlite3_file* f, void* out, int amount,
                    sqlite3_int64 offset) { return m(f).xRead(below(f), out, amount, offset); },
        .xWrite = write,
        .xTruncate = truncate,
        .xSync = sync,
        .xFileSize = [](sqlite3_file* f,
                        sqlite3_int64* size) { return m(f).xFileSize(below(f), size); },
        .xLock = [](sqlite3_file* f, int level) { return m(f).xLock(below(f), level); },
        .xUnlock = [](sqlite3_file* f, int level) { return m(f).xUnlock(below(f), level); },
        .xCheckReservedLock = [](sqlite3_file* f,
                                 int* out) { return m(f).xCheckReservedLock(below(f), out); },
        .xFileControl = [](sqlite3_file* f, int op,
                           void* arg) { return m(f).xFileControl(below(f), op, arg); },
        .xSectorSize = [](sqlite3_file* f) { return m(f).xSectorSize(below(f)); },
        .xDeviceCharacteristics =
            [](sqlite3_file* f) { return m(f).xDeviceCharacteristics(below(f)); },
        .xShmMap =
            [](sqlite3_file* f, int page, int page_size, int extend, void volatile** out) {
              return m(f).xShmMap(below(f), page, page_size, extend, out);
            },
        .xShmLock = [](sqlite3_file* f, int offset, int n,
                       int flags) { return m(f).xShmLock(below(f), offset, n, flags); },
        .xShmBarrier = [](sqlite3_file* f) { m(f).xShmBarrier(below(f)); },
        .xShmUnmap = [](sqlite3_file* f, int remove) { return m(f).xShmUnmap(below(f), remove); },
        .xFetch = [](sqlite3_file* f, sqlite3_int64 offset, int amount,
                     void** out) { return m(f).xFetch(below(f), offset, amount, out); },
        .xUnfetch = [](sqlite3_file* f, sqlite3_int64 offset,
                       void* page) { return m(f).xUnfetch(below(f), offset, page); },
    };
    std::array<sqlite3_io_methods, 3> t{v3, v3, v3};
    t[0].iVersion = 1;
    t[1].iVersion = 2;
    return t;
  }();
  return &table[static_cast<std::size_t>(std::clamp(version, 1, 3) - 1)];
}

int open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  const Layer* layer = layer_of(vfs);
  File* file = of(f);
  file->below = reinterpret_cast<sqlite3_file*>(file + 1);
  file->layer = layer;
  std::memset(file->below, 0, static_cast<std::size_t>(layer->below->szOsFile));
  const int rc = layer->below->xOpen(layer->below, name, file->below, flags, out_flags);
  // SQLite calls xClose only when pMethods is set, so it is set only when the open below set its.
  file->base.pMethods =
      file->below->pMethods != nullptr ? methods_for(file->below->pMethods->iVersion) : nullptr;
  return rc;
}

}  // namespace

sqlite3_vfs* register_over(sqlite3_vfs* below, const std::string& name, const WriteCalls& calls,
                           bool make_default, std::string* error) {
  static std::mutex mutex;
  static std::list<Layer> layers;  // never erased: SQLite keeps pointers into them
  std::lock_guard lock(mutex);
  if (sqlite3_vfs* known = sqlite3_vfs_find(name.c_str())) return known;
  if (below == nullptr) below = sqlite3_vfs_find(nullptr);
  if (below == nullptr) {
    if (error) *error = "SQLite has no default VFS";
    return nullptr;
  }
  Layer& layer = layers.emplace_back();
  layer.below = below;
  layer.calls = calls;
  layer.name = name;
  layer.vfs = sqlite3_vfs{
      .iVersion = 1,
      .szOsFile = static_cast<int>(sizeof(File)) + below->szOsFile,
      .mxPathname = below->mxPathname,
      .zName = layer.name.c_str(),
      .pAppData = &layer,
      .xOpen = open,
      .xDelete =
          [](sqlite3_vfs* v, const char* path, int sync_dir) {
            return layer_of(v)->below->xDelete(layer_of(v)->below, path, sync_dir);
          },
      .xAccess =
          [](sqlite3_vfs* v, const char* path, int flags, int* out) {
            return layer_of(v)->below->xAccess(layer_of(v)->below, path, flags, out);
          },
      .xFullPathname =
          [](sqlite3_vfs* v, const char* path, int n, char* out) {
            return layer_of(v)->below->xFullPathname(layer_of(v)->below, path, n, out);
          },
      .xDlOpen =
          [](sqlite3_vfs* v, const char* path) {
            return layer_of(v)->below->xDlOpen(layer_of(v)->below, path);
          },
      .xDlError = [](sqlite3_vfs* v, int n,
                     char* out) { layer_of(v)->below->xDlError(layer_of(v)->below, n, out); },
      .xDlSym =
          [](sqlite3_vfs* v, void* handle, const char* symbol) {
            return layer_of(v)->below->xDlSym(layer_of(v)->below, handle, symbol);
          },
      .xDlClose = [](sqlite3_vfs* v,
                     void* handle) { layer_of(v)->below->xDlClose(layer_of(v)->below, handle); },
      .xRandomness =
          [](sqlite3_vfs* v, int n, char* out) {
            return layer_of(v)->below->xRandomness(layer_of(v)->below, n, out);
          },
      .xSleep = [](sqlite3_vfs* v,
                   int us) { return layer_of(v)->below->xSleep(layer_of(v)->below, us); },
      .xCurrentTime =
          [](sqlite3_vfs* v, double* out) {
            return layer_of(v)->below->xCurrentTime(layer_of(v)->below, out);
          },
      .xGetLastError =
          [](sqlite3_vfs* v, int n, char* out) {
            return layer_of(v)->below->xGetLastError(layer_of(v)->below, n, out);
          },
  };
  // Version 2's clock, where the VFS below has it (SQLite prefers it to xCurrentTime).
  if (below->iVersion >= 2 && below->xCurrentTimeInt64 != nullptr) {
    layer.vfs.iVersion = 2;
    layer.vfs.xCurrentTimeInt64 = [](sqlite3_vfs* v, sqlite3_int64* out) {
      return layer_of(v)->below->xCurrentTimeInt64(layer_of(v)->below, out);
    };
  }
  const int rc = sqlite3_vfs_register(&layer.vfs, make_default ? 1 : 0);
  if (rc != SQLITE_OK) {
    if (error) *error = sqlite3_errstr(rc);
    layers.pop_back();
    return nullptr;
  }
  return &layer.vfs;
}

}  // namespace zkr::settlement::sqlite_vfs
