#include "app/destination.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/ethereum/settlement_contract.hpp"

namespace zkr::app {
namespace {

namespace json = boost::json;

absl::StatusOr<json::value> read_artifact(const std::string& dir, const std::string& name) {
  const std::string path = (std::filesystem::path(dir) / (name + ".json")).string();
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        "no compiled contract ", path, " (the build compiles contracts/ once npm ci has run)"));
  }
  json::error_code ec;
  json::value v = json::parse(std::string(std::istreambuf_iterator<char>(in), {}), ec);
  if (ec || !v.is_object() || !v.as_object().contains("bytecode")) {
    return absl::DataLossError(absl::StrCat(path, " is not a compiled contract"));
  }
  return v;
}

std::string word_hex(const merkle::Word& w) {
  return merkle::to_hex(w).substr(2);
}

}  // namespace

absl::StatusOr<std::unique_ptr<DestinationChain>> DestinationChain::start(
    const DestinationOptions& o) {
  ZKR_ASSIGN_OR_RETURN(const json::value storage,
                       read_artifact(o.contracts_dir, "InteropRootStorage"));
  ZKR_ASSIGN_OR_RETURN(const json::value verifier,
                       read_artifact(o.contracts_dir, "L2MessageVerification"));
  std::unique_ptr<DestinationChain> d(new DestinationChain());
  d->chain_id_ = o.chain_id;
  ZKR_ASSIGN_OR_RETURN(d->node_, AnvilNode::start({.binary = o.anvil,
                                                   .port = o.port,
                                                   .chain_id = o.chain_id,
                                                   .log_file = o.log_file,
                                                   .role = "the destination chain"}));
  settlement::EthRpcClient* rpc = &d->node_->rpc();

  // InteropRootStorage is deployed with its importer (an immutable of its code), and the code is
  // then put at the canonical address; the verifier has no constructor.
  const std::string init =
      absl::StrCat(std::string(storage.at("bytecode").as_string()),
                   word_hex(merkle::address_to_word(*merkle::parse_address(kImporter))));
  ZKR_ASSIGN_OR_RETURN(const json::value sent,
                       rpc->call("eth_sendTransaction",
                                 json::array{json::object{{"from", kImporter}, {"data", init}}}));
  ZKR_ASSIGN_OR_RETURN(const json::value receipt, d->mined(sent));
  if (receipt.at("status") != "0x1") {
    return absl::InternalError("deploying InteropRootStorage on the destination chain failed");
  }
  ZKR_ASSIGN_OR_RETURN(
      const json::value code,
      rpc->call("eth_getCode", json::array{receipt.at("contractAddress"), "latest"}));
  ZKR_RETURN_IF_ERROR(rpc->call("anvil_setCode", json::array{kInteropRootStorage, code}).status());
  ZKR_RETURN_IF_ERROR(
      rpc->call("anvil_setCode", json::array{kMessageVerification, verifier.at("deployedBytecode")})
          .status());
  return d;
}

DestinationChain::~DestinationChain() = default;

absl::StatusOr<json::value> DestinationChain::send(const char* from, const std::string& data) {
  ZKR_ASSIGN_OR_RETURN(
      json::value hash,
      node_->rpc().call(
          "eth_sendTransaction",
          json::array{json::object{{"from", from}, {"to", kInteropRootStorage}, {"data", data}}}));
  if (!hash.is_string()) return absl::InternalError("eth_sendTransaction gave no hash");
  return hash;
}

absl::StatusOr<json::value> DestinationChain::mined(const json::value& hash) {
  for (int i = 0; i < 200; ++i) {
    ZKR_ASSIGN_OR_RETURN(json::value receipt,
                         node_->rpc().call("eth_getTransactionReceipt", json::array{hash}));
    if (receipt.is_object()) return receipt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError("the destination chain mined no receipt within 4 s");
}

std::string DestinationChain::add_root_call(std::uint64_t chain_id, std::uint64_t number,
                                            const merkle::Word& root) {
  constexpr merkle::Selector kSelector =
      merkle::function_selector("addInteropRoot(uint256,uint256,bytes32)");
  return absl::StrCat(merkle::to_hex(merkle::ByteSpan(kSelector)), word_hex(merkle::be32(chain_id)),
                      word_hex(merkle::be32(number)), word_hex(root));
}

absl::Status DestinationChain::add_root(std::uint64_t chain_id, std::uint64_t number,
                                        const merkle::Word& root, const char* from) {
  ZKR_ASSIGN_OR_RETURN(const json::value hash, send(from, add_root_call(chain_id, number, root)));
  ZKR_ASSIGN_OR_RETURN(const json::value receipt, mined(hash));
  if (receipt.at("status") != "0x1") {
    return absl::FailedPreconditionError(
        absl::StrCat("addInteropRoot(", chain_id, ", ", number, ") reverted"));
  }
  return absl::OkStatus();
}

absl::Status DestinationChain::import_roots(const router::Engine& engine) {
  const std::optional<std::uint64_t> sealed = engine.last_sealed_block();
  if (!sealed) return absl::OkStatus();
  std::uint64_t next = last_imported_ ? *last_imported_ + 1 : engine.gateway_first_block();
  for (; next <= *sealed; ++next) {
    ZKR_ASSIGN_OR_RETURN(const merkle::Word root, engine.interop_root(next));
    // Not waited for: anvil mines each in order, and the SDK polls for the root.
    ZKR_RETURN_IF_ERROR(
        send(kImporter, add_root_call(engine.gateway_chain_id(), next, root)).status());
    last_imported_ = next;
  }
  return absl::OkStatus();
}

absl::StatusOr<merkle::Word> destination_interop_root(settlement::EthRpcClient& rpc,
                                                      std::uint64_t chain_id,
                                                      std::uint64_t number) {
  ZKR_ASSIGN_OR_RETURN(
      const std::vector<merkle::Word> root,
      settlement::contract::view(rpc, *merkle::parse_address(DestinationChain::kInteropRootStorage),
                                 "interopRoots(uint256,uint256)",
                                 {merkle::be32(chain_id), merkle::be32(number)}));
  return root[0];
}

absl::StatusOr<bool> destination_proves_message(settlement::EthRpcClient& rpc,
                                                std::uint64_t chain_id, std::uint64_t batch_number,
                                                std::uint64_t index,
                                                const merkle::L2Message& message,
                                                std::span<const merkle::Word> proof) {
  return settlement::contract::proves_message(
      rpc, *merkle::parse_address(DestinationChain::kMessageVerification), chain_id, batch_number,
      index, message, proof);
}

}  // namespace zkr::app
