#pragma once
// The web explorer's files (api/explorer/), built into the binary: the server answers GET / and
// /explorer with index.html and /explorer/<file> with the file, so the page needs nothing but the
// router's own port (docs/explorer.md).
#include <optional>
#include <string_view>

namespace zkr::api {

struct ExplorerAsset {
  std::string_view content_type;
  std::string_view body;
};

/// The asset at URL path `path` ("/explorer/index.html", "/explorer/explorer.js", …), or none.
std::optional<ExplorerAsset> explorer_asset(std::string_view path);

}  // namespace zkr::api
