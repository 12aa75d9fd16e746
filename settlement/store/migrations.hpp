#pragma once
// Schema migrations: the numbered SQL files of migrations/, embedded into the binary at build time
// and applied in order at start, each in its own transaction, the applied version recorded.

#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "settlement/store/database.hpp"

namespace zkr::settlement {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// The migrations built into this binary, ascending by version (generated from migrations/*.sql).
std::span<const Migration> embedded_migrations() noexcept;

/// Applies every migration newer than the database's version; returns the resulting version.
/// FailedPrecondition if the database is newer than the newest migration known here.
[[nodiscard]] absl::StatusOr<int> apply_migrations(Database& db,
                                                   std::span<const Migration> migrations);

/// For a reader that may not migrate (a read replica): OK if the database's schema is exactly the
/// newest of `migrations`; Unavailable (naming both versions) if its writer has not migrated it.
[[nodiscard]] absl::Status check_schema(Database& db, std::span<const Migration> migrations);

}  // namespace zkr::settlement
