#include "settlement/ethereum/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/str_cat.h"

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

}  // namespace zkr::settlement::http
