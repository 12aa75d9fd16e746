#pragma once
// The PostgreSQL backend of settlement/store/database.hpp (libpq): one connection to the database
// a `postgresql://` URL names. Only database.cpp opens it; the stores see a Database.
//
// A connection opened for writing takes the writer's advisory lock first (pg_try_advisory_lock on
// kWriterLockKey, held for the session, tried for busy_timeout_ms): PostgreSQL itself lets one
// zkrouter write at a time, and a second one is refused with who holds it. The lock goes with the
// session, so a writer that dies (even kill -9) releases it when PostgreSQL sees its connection
// close.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "settlement/store/database.hpp"

namespace zkr::settlement {

/// The advisory lock key of the single writer ("zkrouter" in ASCII).
constexpr std::int64_t kWriterLockKey = 0x7a6b726f75746572;

[[nodiscard]] absl::StatusOr<std::unique_ptr<Database>> open_postgres(
    const std::string& url, const DatabaseOptions& options);

/// The schema's and the statements' SQL in PostgreSQL's words: INTEGER → BIGINT, BLOB → BYTEA,
/// WITHOUT ROWID dropped. (Keys are always given: events and L1 transactions number themselves
/// with MAX + 1 in their INSERT, so both backends number alike and a rolled-back write leaves no
/// gap.)
std::string postgres_ddl(std::string_view sqlite_sql);

/// `?N` and `?` parameters as `$N`, outside quoted strings.
std::string postgres_parameters(std::string_view sql);

/// The URL with its password replaced by "***" (for messages and logs).
std::string redact_url(std::string_view url);

}  // namespace zkr::settlement
