#include "settlement/store/migrations.hpp"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::settlement {

absl::StatusOr<int> apply_migrations(Database& db, std::span<const Migration> migrations) {
  ZKR_RETURN_IF_ERROR(
      db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name "
              "TEXT NOT NULL, "
              "applied_at INTEGER NOT NULL)"));
  ZKR_ASSIGN_OR_RETURN(const std::int64_t applied,
                       db.scalar_int64("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  int version = static_cast<int>(applied);

  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (version > newest) {
    return absl::FailedPreconditionError(
        absl::StrCat("database ", db.path(), " has schema version ", version,
                     ", newer than this zkrouter knows (", newest,
                     "); run a newer zkrouter or restore a matching database"));
  }
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    ZKR_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    if (absl::Status s = db.exec(m.sql); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("migration ", m.version, " (", to_absl(m.name),
                                                 ") failed: ", s.message()));
    }
    ZKR_ASSIGN_OR_RETURN(
        Statement * record,
        db.prepare(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)"));
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    ZKR_RETURN_IF_ERROR(
        record->bind(1, m.version).bind(2, m.name).bind(3, static_cast<std::int64_t>(now)).run());
    ZKR_RETURN_IF_ERROR(tx.commit());
    version = m.version;
  }
  return version;
}

absl::Status check_schema(Database& db, std::span<const Migration> migrations) {
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  absl::StatusOr<std::int64_t> version =
      db.scalar_int64("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!version.ok() || *version != newest) {
    return absl::UnavailableError(absl::StrCat(
        "database ", db.path(), " has schema version ", version.ok() ? *version : 0,
        "; this zkrouter reads version ", newest, ": start (or upgrade) its writer first"));
  }
  return absl::OkStatus();
}

}  // namespace zkr::settlement
