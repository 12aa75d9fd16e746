// Destination chain: waits for a message to reach Gateway finality, fetches its shape C proof and
// the Gateway interop root it needs, and verifies it exactly as L2MessageVerification does; then
// has the destination chain's own L2MessageVerification contract (the devnet's anvil, beside the
// API) verify it against the root imported there, and refuse a tampered copy.
//   build/examples/destination_verify --port 8545 --id 270:1:0

#include <cstdio>
#include <memory>

#include "absl/flags/parse.h"
#include "app/destination.hpp"
#include "examples/common.hpp"
#include "merkle/verifier.hpp"

ABSL_FLAG(std::string, id, "270:1:0", "the message (chain:batch:index)");
ABSL_FLAG(int, timeout_s, 60, "give up after this many seconds");
ABSL_FLAG(std::string, destination, "auto",
          "the destination chain's JSON-RPC URL (auto: the devnet's, http://HOST:PORT+1; none: "
          "verify in C++ only)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  namespace json = boost::json;
  using namespace zkr;
  using examples::call;
  using examples::str;
  const std::string id = absl::GetFlag(FLAGS_id);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(absl::GetFlag(FLAGS_timeout_s));
  json::value proof;
  while (std::chrono::steady_clock::now() < deadline) {
    const json::value r = api::rpc_http(absl::GetFlag(FLAGS_host), examples::port(), "zkr_getProof",
                                        json::array{id, "gateway"});
    if (r.as_object().contains("result")) {
      proof = r.at("result");
      break;
    }
    std::printf("waiting: %s\n", str(r.at("error").at("message")).c_str());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (proof.is_null()) {
    std::fprintf(stderr, "destination_verify: no shape C proof of %s within %d s\n", id.c_str(),
                 absl::GetFlag(FLAGS_timeout_s));
    return 1;
  }
  const std::uint64_t block = proof.at("gatewayBlockNumber").to_number<std::uint64_t>();
  const json::value root = call("zkr_getInteropRoot", json::array{block});
  const json::value message = call("zkr_getMessage", json::array{id});
  std::printf("message %s: %zu-word shape C proof against Gateway block %lu, interop root %s\n",
              id.c_str(), proof.at("proof").as_array().size(), static_cast<unsigned long>(block),
              str(root.at("root")).c_str());

  // What the destination knows: interopRoots(gatewayChainId, block), imported from the Gateway.
  const merkle::Word interop_root = *merkle::parse_word(str(root.at("root")));
  const std::uint64_t gateway_chain = root.at("chainId").to_number<std::uint64_t>();
  const auto settled = [&](const merkle::Word& chain,
                           const merkle::Word& number) -> std::optional<merkle::Word> {
    if (chain == merkle::be32(gateway_chain) && number == merkle::be32(block)) return interop_root;
    return std::nullopt;
  };
  // proveL2MessageInclusionShared(chainId, batchNumber, index, {txNumberInBatch, sender, data},
  // proof)
  merkle::L2Message m;
  m.tx_number_in_batch =
      static_cast<std::uint16_t>(message.at("txNumberInBatch").to_number<std::uint64_t>());
  m.sender = *merkle::parse_address(str(message.at("sender")));
  m.data = *merkle::parse_hex(str(message.at("data")));
  std::vector<merkle::Word> words;
  for (const auto& w : proof.at("proof").as_array()) words.push_back(*merkle::parse_word(str(w)));
  const absl::Status verified =
      merkle::verify_message(message.at("chainId").to_number<std::uint64_t>(),
                             message.at("batchNumber").to_number<std::uint64_t>(),
                             message.at("index").to_number<std::uint64_t>(), m, words, settled);
  if (!verified.ok()) {
    std::printf("REJECTED: %s\n", std::string(verified.message()).c_str());
    return 1;
  }
  std::printf("verified: the message is included under the Gateway's interop root of block %lu\n",
              static_cast<unsigned long>(block));
  // A tampered message must fail the same check.
  merkle::L2Message tampered = m;
  tampered.data.push_back(0);
  const std::uint64_t chain = message.at("chainId").to_number<std::uint64_t>();
  const std::uint64_t batch = message.at("batchNumber").to_number<std::uint64_t>();
  const std::uint64_t index = message.at("index").to_number<std::uint64_t>();
  if (merkle::verify_message(chain, batch, index, tampered, words, settled).ok()) {
    std::printf("a tampered message verified: this must not happen\n");
    return 1;
  }
  std::printf("a tampered copy of the message is rejected\n");

  // The same on the destination chain, by its contract, once the root is imported there.
  std::string url = absl::GetFlag(FLAGS_destination);
  if (url == "none") return 0;
  if (url == "auto")
    url = absl::StrCat("http://", absl::GetFlag(FLAGS_host), ":", examples::port() + 1);
  absl::StatusOr<std::unique_ptr<settlement::EthRpcClient>> rpc =
      settlement::EthRpcClient::create(url);
  if (!rpc.ok()) {
    std::fprintf(stderr, "destination_verify: --destination %s: %s\n", url.c_str(),
                 std::string(rpc.status().message()).c_str());
    return 1;
  }
  for (;;) {
    const absl::StatusOr<merkle::Word> imported =
        app::destination_interop_root(**rpc, gateway_chain, block);
    if (!imported.ok()) {
      std::fprintf(stderr,
                   "destination_verify: cannot read interopRoots(%lu, %lu) on the destination "
                   "chain at %s: %s (--destination=none verifies in C++ only)\n",
                   static_cast<unsigned long>(gateway_chain), static_cast<unsigned long>(block),
                   url.c_str(), std::string(imported.status().message()).c_str());
      return 1;
    }
    if (*imported == interop_root) break;
    if (*imported != merkle::Word{}) {
      std::fprintf(stderr,
                   "destination_verify: the destination chain holds root %s for block %lu, "
                   "the router %s\n",
                   merkle::to_hex(*imported).c_str(), static_cast<unsigned long>(block),
                   merkle::to_hex(interop_root).c_str());
      return 1;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr,
                   "destination_verify: the root of Gateway block %lu was not imported "
                   "into the destination chain within %d s\n",
                   static_cast<unsigned long>(block), absl::GetFlag(FLAGS_timeout_s));
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (const auto& [what, msg, expected] :
       {std::tuple{"the message", &m, true}, std::tuple{"the tampered copy", &tampered, false}}) {
    const absl::StatusOr<bool> ok =
        app::destination_proves_message(**rpc, chain, batch, index, *msg, words);
    if (!ok.ok() || *ok != expected) {
      std::fprintf(
          stderr, "destination_verify: the destination's L2MessageVerification %s %s\n",
          ok.ok() ? (*ok ? "accepted" : "refused") : std::string(ok.status().message()).c_str(),
          what);
      return 1;
    }
    std::printf("%s: %s by L2MessageVerification on the destination chain (%s)\n", what,
                expected ? "verified" : "refused", url.c_str());
  }
  return 0;
}
