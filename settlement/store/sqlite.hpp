#pragma once
// The SQLite backend of settlement/store/database.hpp: one connection to a database file in WAL
// mode. Only database.cpp opens it; the stores see a Database.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "settlement/store/database.hpp"

namespace zkr::settlement {

[[nodiscard]] absl::StatusOr<std::unique_ptr<Database>> open_sqlite(const std::string& path,
                                                                    const DatabaseOptions& options);

}  // namespace zkr::settlement
