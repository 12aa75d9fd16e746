#pragma once
// The engine's pool of read-only SQLite connections, shared by the files that implement Engine.
// Private to the router: include only from router/*.cpp.

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "merkle/status.hpp"
#include "router/engine.hpp"
#include "settlement/store/database.hpp"

namespace zkr::router {

class Engine::ReaderPool {
 public:
  absl::Status open(const std::string& path, std::size_t n) {
    for (std::size_t i = 0; i < std::max<std::size_t>(n, 1); ++i) {
      settlement::DatabaseOptions options;
      options.read_only = true;
      options.cache_size_kib = 16 * 1024;
      ZKR_ASSIGN_OR_RETURN(auto db, settlement::Database::open(path, options));
      free_.push_back(db.get());
      all_.push_back(std::move(db));
    }
    return absl::OkStatus();
  }

  class Lease {
   public:
    Lease(ReaderPool& pool, settlement::Database* db) : pool_(pool), db_(db) {}
    Lease(const Lease&) = delete;
    ~Lease() {
      std::lock_guard lock(pool_.mutex_);
      pool_.free_.push_back(db_);
      pool_.available_.notify_one();
    }
    settlement::Database& db() const { return *db_; }

   private:
    ReaderPool& pool_;
    settlement::Database* db_;
  };

  Lease acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !free_.empty(); });
    settlement::Database* db = free_.back();
    free_.pop_back();
    return Lease(*this, db);
  }

 private:
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<settlement::Database*> free_;
  std::vector<std::unique_ptr<settlement::Database>> all_;
};

}  // namespace zkr::router
