#include "settlement/ethereum/http_client.hpp"

#include <charconv>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::settlement::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

absl::StatusOr<Reply> exchange(const Request& request) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  const std::string where = absl::StrCat(request.host, ":", request.port);
  const auto failed = [&](const char* step, const beast::error_code& ec) {
    return absl::UnavailableError(absl::StrCat(where, ": ", step, ": ", ec.message()));
  };
  beast::error_code error;
  const auto endpoints =
      tcp::resolver(ioc).resolve(request.host, std::to_string(request.port), error);
  if (error) return failed("resolve", error);
  stream.expires_after(request.timeout);
  stream.connect(endpoints, error);
  if (error) return failed("connect", error);

  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), request.target, 11};
  req.set(bhttp::field::host, request.host);
  if (!request.content_type.empty()) req.set(bhttp::field::content_type, request.content_type);
  if (!request.bearer.empty()) req.set(bhttp::field::authorization, "Bearer " + request.bearer);
  req.body() = request.body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(request.max_body_bytes);
  // Written and read asynchronously so that the stream's deadline covers both. A server that
  // answers and closes before it has read the whole request (413) resets the write: its answer is
  // still read.
  const char* step = "write";
  bhttp::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
    if (ec && ec != asio::error::connection_reset && ec != asio::error::broken_pipe) {
      error = ec;
      return;
    }
    step = "read";
    bhttp::async_read(stream, buffer, parser,
                      [&](beast::error_code rec, std::size_t) { error = rec; });
  });
  ioc.run();
  if (error) return failed(step, error);
  const auto& res = parser.get();
  return Reply{static_cast<int>(res.result_int()), res.body(),
               std::string(res[bhttp::field::content_type])};
}

absl::StatusOr<Url> parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  const absl::string_view shown = to_absl(utf8_prefix(url, 200));
  if (!url.starts_with(kScheme))
    return absl::InvalidArgumentError(absl::StrCat(shown, " must be an http:// URL"));
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  Url out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  rest = rest.substr(0, slash);
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return absl::InvalidArgumentError(absl::StrCat(shown, " needs host:port"));
  const std::string_view port_text = rest.substr(colon + 1);
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), out.port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || out.port == 0)
    return absl::InvalidArgumentError(absl::StrCat(shown, " has a bad port"));
  out.host = std::string(rest.substr(0, colon));
  return out;
}

}  // namespace zkr::settlement::http
