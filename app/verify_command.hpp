#pragma once
// `zkrouter verify`: checks a proof offline with the on-chain algorithm and says which step fails.

#include <string>

namespace zkr::app {

/// Verifies the proof described by the JSON text (see docs/cli.md); prints the walk to stdout.
/// Returns 0 if it verifies, 1 if it does not, 2 if the input is malformed.
int verify_command(const std::string& json_text);

}  // namespace zkr::app
