// dApp: sends a message on chain A of the devnet, follows its timeline live, and says when it is
// provable on the Gateway (shape C) and on L1 (shape B).
//   build/examples/dapp_send --port 8545 --chain 270

#include <cstdio>
#include <set>

#include "absl/flags/parse.h"
#include "examples/common.hpp"

ABSL_FLAG(std::uint64_t, chain, 270, "the chain to send on");
ABSL_FLAG(std::string, text, "hello, interop", "the message");
ABSL_FLAG(int, timeout_s, 60, "give up after this many seconds");

namespace {

// The proof for `target`, or null while it does not exist yet (reason not_final).
boost::json::value api_proof(const std::string& id, const char* target) {
  const boost::json::value r = zkr::api::rpc_http(absl::GetFlag(FLAGS_host), zkr::examples::port(),
                                                  "zkr_getProof", boost::json::array{id, target});
  if (r.as_object().contains("result")) return r.at("result");
  if (r.at("error").at("data").at("reason") != boost::json::value("not_final")) {
    std::fprintf(stderr, "zkr_getProof: %s\n", boost::json::serialize(r.at("error")).c_str());
    std::exit(1);
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  namespace json = boost::json;
  using namespace zkr::examples;
  const std::string text = absl::GetFlag(FLAGS_text);
  std::string data = "0x";
  for (const unsigned char c : text) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", c);
    data += hex;
  }
  const std::uint64_t chain = absl::GetFlag(FLAGS_chain);
  const json::value sent = call(
      "zkr_devnetSend", json::array{chain, "0x000000000000000000000000000000000000da99", data});
  const std::string tx = str(sent.at("txHash"));
  std::printf("sent on chain %lu: tx %s\n", static_cast<unsigned long>(chain), tx.c_str());

  // The message gets its id when its batch is sealed and recorded.
  std::string id;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(absl::GetFlag(FLAGS_timeout_s));
  while (id.empty() && std::chrono::steady_clock::now() < deadline) {
    const json::value logs = call("zkr_getMessagesByTx", json::array{tx});
    if (!logs.as_array().empty()) id = str(logs.as_array()[0].at("id"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (id.empty()) {
    std::fprintf(stderr, "the message was not recorded in time\n");
    return 1;
  }
  std::printf("recorded as message %s\n", id.c_str());

  std::set<std::string> shown;
  bool gateway = false;
  while (std::chrono::steady_clock::now() < deadline) {
    const json::value status = call("zkr_getMessageStatus", json::array{id});
    for (const auto& t : status.at("timeline").as_array()) {
      const std::string stage = str(t.at("stage"));
      if (shown.insert(stage).second)
        std::printf("  %-24s cursor %lld\n", stage.c_str(),
                    static_cast<long long>(t.at("cursor").to_number<std::int64_t>()));
    }
    if (!gateway) {
      const json::value proof = api_proof(id, "gateway");
      if (!proof.is_null()) {
        gateway = true;
        std::printf(
            "provable on the Gateway: shape C, %zu words, against interop root of Gateway block "
            "%lu\n",
            proof.at("proof").as_array().size(),
            static_cast<unsigned long>(proof.at("gatewayBlockNumber").to_number<std::uint64_t>()));
      }
    }
    if (gateway) {
      const json::value proof = api_proof(id, "l1");
      if (!proof.is_null()) {
        std::printf(
            "provable on L1 via the Gateway: shape %s, Gateway batch %lu\n",
            str(proof.at("shape")).c_str(),
            static_cast<unsigned long>(proof.at("gatewayBatchNumber").to_number<std::uint64_t>()));
        return 0;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::fprintf(
      stderr, "timed out; last status: %s\n",
      json::serialize(call("zkr_getMessageStatus", json::array{id}).at("waitingFor")).c_str());
  return 1;
}
