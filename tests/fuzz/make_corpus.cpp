// Writes the seed corpus of every fuzz target into tests/fuzz/corpus/<target>/ from real inputs:
// the API's requests on the spec's scenario (as a client sends them), the scenario's batches as
// protobuf frames, its published proofs with their leaves, and its bundle messages. Run by
// scripts/fuzz --make-corpus; the output is committed.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "api/json_codec.hpp"
#include "api/protobuf_batch.hpp"
#include "merkle/log.hpp"
#include "router/bundle.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/vectors.hpp"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace zkr;

void put(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary | std::ios::trunc) << bytes;
}

std::string request(int id, const std::string& method, json::value params) {
  return json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus OUT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  const auto& scenario = testing::vectors().at("scenario");

  // Batches: every scenario batch as a frame (protobuf and validator targets), and as JSON.
  int n = 0;
  std::string first_batch_json;
  std::string bundle_seen;
  for (const auto& [chain_key, chain] : scenario.at("chains").as_object()) {
    const std::uint64_t chain_id = std::stoull(std::string(chain_key));
    const std::size_t batches = chain.at("batches").as_array().size();
    for (std::size_t b = 1; b <= batches; ++b) {
      const router::SealedBatch batch = testing::scenario_batch(chain_id, b);
      const std::string frame = api::encode_batch_frame({.request_id = 1, .batch = batch});
      const std::string name = "batch-" + std::to_string(chain_id) + "-" + std::to_string(b);
      put(out / "protobuf_batch", name, frame);
      put(out / "batch_validator", name, frame);
      if (first_batch_json.empty()) {
        first_batch_json = request(9, "zkr_submitBatch", json::array{api::batch_to_json(batch)});
      }
      for (const router::BatchLog& l : batch.logs) {
        if (l.message && !l.message->empty() && (*l.message)[0] == router::kBundleIdentifier) {
          put(out / "bundle", "bundle-" + std::to_string(n++),
              std::string(l.message->begin(), l.message->end()));
        }
      }
    }
  }
  // A bundle built here too, so the target has a seed whatever the scenario holds.
  router::InteropBundle bundle;
  bundle.source_chain_id = 270;
  bundle.destination_chain_id = 271;
  bundle.calls.push_back(
      {.shadow_account = false, .to = {}, .from = {}, .value = {}, .data = {1, 2, 3}});
  const merkle::Bytes encoded = router::encode_bundle_message(bundle);
  put(out / "bundle", "bundle-built", std::string(encoded.begin(), encoded.end()));

  // Proofs: (chain, number, mask, leaf, words) as the verifier target reads them.
  n = 0;
  for (const auto& p : scenario.at("proofs").as_array()) {
    std::string bytes(80, '\0');
    const std::uint64_t chain = testing::number(p.at("chainId")),
                        batch = testing::number(p.at("batchNumber"));
    std::memcpy(bytes.data(), &chain, 8);
    std::memcpy(bytes.data() + 8, &batch, 8);
    const merkle::Word mask = merkle::be32(testing::number(p.at("leafIndex")));
    const merkle::Word leaf =
        merkle::log_leaf_hash(merkle::message_to_log(testing::message(p.at("message"))));
    std::copy(mask.begin(), mask.end(), bytes.begin() + 16);
    std::copy(leaf.begin(), leaf.end(), bytes.begin() + 48);
    for (const merkle::Word& w : testing::words(p.at("proof"))) bytes.append(w.begin(), w.end());
    put(out / "proof_verifier", "proof-" + std::to_string(n++), bytes);
  }

  // Requests, as clients send them.
  const fs::path rpc = out / "rpc";
  put(rpc, "getProof", request(1, "zkr_getProof", json::array{"270:1:0", "gateway"}));
  put(rpc, "getProofL1", request(2, "zkr_getProof", json::array{"271:2:3", "l1"}));
  put(rpc, "getProofs",
      request(3, "zkr_getProofs",
              json::array{json::array{json::array{"270:1:0"}, json::array{"999:1:0"}}}));
  put(rpc, "zksProof",
      request(4, "zks_getL2ToL1LogProof",
              json::array{"0x" + std::string(64, 'a'), 0, "proof_based_gw"}));
  put(rpc, "interopRoot", request(5, "zkr_getInteropRoot", json::array{12}));
  put(rpc, "getMessage", request(6, "zkr_getMessage", json::array{"271:2:16"}));
  put(rpc, "listMessages",
      request(7, "zkr_listMessages",
              json::array{json::object{{"sourceChainId", 271}, {"limit", 5}}}));
  put(rpc, "getBatch", request(8, "zkr_getBatch", json::array{272, 3}));
  put(rpc, "getChain", request(8, "zkr_getChain", json::array{272}));
  put(rpc, "gatewayBatch", request(8, "zkr_getGatewayBatch", json::array{1}));
  put(rpc, "costReport",
      request(8, "zkr_getCostReport", json::array{json::object{{"chainId", 270}}}));
  put(rpc, "status", request(8, "zkr_getMessageStatus", json::array{"270:1:0"}));
  put(rpc, "submitBatch", first_batch_json);
  put(rpc, "commit", request(10, "zkr_commitBatch", json::array{270, 9}));
  put(rpc, "prove", request(11, "zkr_proveBatch", json::array{270, 9, "0x00"}));
  put(rpc, "execute", request(12, "zkr_executeBatch", json::array{270, 9}));
  put(rpc, "authenticate", request(13, "zkr_authenticate", json::array{270, "x"}));
  put(rpc, "batch",
      "[" + request(1, "zkr_getProof", json::array{"270:1:0"}) + "," +
          request(2, "zkr_getInteropRoot", json::array{10}) + "]");
  put(rpc, "notification", R"({"jsonrpc":"2.0","method":"zkr_getChain","params":[270]})");
  std::printf("corpus written to %s\n", out.string().c_str());
  return 0;
}
