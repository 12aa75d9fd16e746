// The project's destination-chain contracts (contracts/*.sol, compiled by solc-js) on a real EVM
// (anvil), at their canonical addresses: InteropRootStorage (0x…10008) holds the roots an importer
// added, and L2MessageVerification (0x…10009) accepts exactly the proofs the C++ verifier accepts,
// on every scenario proof of vectors.json and on random mutations of them.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <thread>

#include <boost/json.hpp>

#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "merkle/verifier.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/vectors.hpp"

namespace zkr {
namespace {

namespace json = boost::json;

constexpr const char* kStorage = "0x0000000000000000000000000000000000010008";
constexpr const char* kVerifier = "0x0000000000000000000000000000000000010009";
constexpr const char* kImporter = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";  // anvil's first

json::value artifact(const std::string& name) {
  const char* dir = std::getenv("ZKR_CONTRACTS_DIR");
  std::ifstream in(std::string(dir == nullptr ? "" : dir) + "/" + name + ".json");
  if (!in) return nullptr;
  return json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
}

merkle::Bytes selector(std::string_view signature) {
  const merkle::Word h = merkle::keccak256(signature);
  return merkle::Bytes(h.begin(), h.begin() + 4);
}

void put(merkle::Bytes& out, const merkle::Word& w) {
  out.insert(out.end(), w.begin(), w.end());
}

merkle::Word address_word(const merkle::Address& a) {
  merkle::Word w{};
  std::copy(a.begin(), a.end(), w.begin() + 12);
  return w;
}

// proveL2MessageInclusionShared(uint256,uint256,uint256,(uint16,address,bytes),bytes32[]),
// ABI-encoded.
merkle::Bytes prove_call(std::uint64_t chain, std::uint64_t number, std::uint64_t index,
                         const merkle::L2Message& m, const std::vector<merkle::Word>& proof) {
  merkle::Bytes out = selector(
      "proveL2MessageInclusionShared(uint256,uint256,uint256,(uint16,address,bytes),"
      "bytes32[])");
  const std::size_t padded = (m.data.size() + 31) / 32 * 32;
  const std::size_t message_words = 3 + 1 + padded / 32;  // head (3), length, data
  put(out, merkle::be32(chain));
  put(out, merkle::be32(number));
  put(out, merkle::be32(index));
  put(out, merkle::be32(5 * 32));                       // offset of the message tuple
  put(out, merkle::be32(5 * 32 + message_words * 32));  // offset of the proof array
  put(out, merkle::be32(m.tx_number_in_batch));
  put(out, address_word(m.sender));
  put(out, merkle::be32(3 * 32));  // the bytes' offset inside the tuple
  put(out, merkle::be32(m.data.size()));
  out.insert(out.end(), m.data.begin(), m.data.end());
  out.resize(out.size() + padded - m.data.size(), 0);
  put(out, merkle::be32(proof.size()));
  for (const merkle::Word& w : proof) put(out, w);
  return out;
}

class Contracts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_anvil()) GTEST_SKIP() << "anvil is not installed (ZKR_ANVIL)";
    storage_ = artifact("InteropRootStorage");
    verifier_ = artifact("L2MessageVerification");
    if (storage_.is_null() || verifier_.is_null()) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string(ci) == "true")
        FAIL() << "the compiled contracts are missing (ZKR_CONTRACTS_DIR; the build compiles them)";
      GTEST_SKIP() << "the contracts are not compiled (npm ci, then build)";
    }
    node_ = std::make_unique<testing::Anvil>(testing::anvil_binary());
    ASSERT_NE(node_->port(), 0);
    auto client =
        settlement::EthRpcClient::create("http://127.0.0.1:" + std::to_string(node_->port()));
    ASSERT_TRUE(client.ok());
    rpc_ = std::move(*client);
    // InteropRootStorage is deployed with its importer (an immutable in its code), then its code
    // is put at the canonical address; the verifier has no constructor.
    std::string init(storage_.at("bytecode").as_string());
    init += merkle::to_hex(address_word(*merkle::parse_address(kImporter))).substr(2);
    const auto sent = rpc_->call("eth_sendTransaction",
                                 json::array{json::object{{"from", kImporter}, {"data", init}}});
    ASSERT_TRUE(sent.ok()) << sent.status();
    json::value receipt;
    for (int i = 0; i < 100 && receipt.is_null(); ++i) {
      const auto r = rpc_->call("eth_getTransactionReceipt", json::array{*sent});
      ASSERT_TRUE(r.ok()) << r.status();
      receipt = *r;
      if (receipt.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(receipt.is_object());
    const auto code =
        rpc_->call("eth_getCode", json::array{receipt.at("contractAddress"), "latest"});
    ASSERT_TRUE(code.ok());
    ASSERT_TRUE(rpc_->call("anvil_setCode", json::array{kStorage, *code}).ok());
    ASSERT_TRUE(
        rpc_->call("anvil_setCode", json::array{kVerifier, verifier_.at("deployedBytecode")}).ok());
  }

  // addInteropRoot from `from`, mined; the node's error if it reverted.
  absl::Status add_root(const char* from, std::uint64_t chain, std::uint64_t number,
                        const merkle::Word& root) {
    merkle::Bytes data = selector("addInteropRoot(uint256,uint256,bytes32)");
    put(data, merkle::be32(chain));
    put(data, merkle::be32(number));
    put(data, root);
    const auto sent =
        rpc_->call("eth_sendTransaction",
                   json::array{json::object{
                       {"from", from}, {"to", kStorage}, {"data", merkle::to_hex(data)}}});
    if (!sent.ok()) return sent.status();
    for (int i = 0; i < 100; ++i) {
      ZKR_ASSIGN_OR_RETURN(const json::value r,
                           rpc_->call("eth_getTransactionReceipt", json::array{*sent}));
      if (!r.is_null()) {
        if (r.at("status") == "0x1") return absl::OkStatus();
        return absl::FailedPreconditionError("reverted");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return absl::DeadlineExceededError("no receipt");
  }

  // What the contract answers: true, false, or a revert (nullopt).
  std::optional<bool> contract_accepts(const merkle::Bytes& call) {
    const auto r = rpc_->call(
        "eth_call",
        json::array{json::object{{"to", kVerifier}, {"data", merkle::to_hex(call)}}, "latest"});
    if (!r.ok()) return std::nullopt;
    const std::string text(r->as_string());
    EXPECT_EQ(text.size(), 66u) << text;
    return text.back() == '1';
  }

  json::value storage_, verifier_;
  std::unique_ptr<testing::Anvil> node_;
  std::unique_ptr<settlement::EthRpcClient> rpc_;
};

TEST_F(Contracts, OnlyTheImporterAddsARootAndOnlyOnce) {
  const merkle::Word root = merkle::be32(77);
  EXPECT_FALSE(add_root("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", 506, 1, root).ok());
  EXPECT_TRUE(add_root(kImporter, 506, 1, root).ok());
  EXPECT_FALSE(add_root(kImporter, 506, 1, merkle::be32(78)).ok());
  EXPECT_FALSE(add_root(kImporter, 506, 2, merkle::Word{}).ok());
  merkle::Bytes read = selector("interopRoots(uint256,uint256)");
  put(read, merkle::be32(506));
  put(read, merkle::be32(1));
  const auto got = rpc_->call(
      "eth_call",
      json::array{json::object{{"to", kStorage}, {"data", merkle::to_hex(read)}}, "latest"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->as_string(), merkle::to_hex(root));
}

TEST_F(Contracts, TheVerifierAcceptsExactlyWhatTheCppVerifierAccepts) {
  // Every root the scenario's proofs are checked against, imported as the destination would.
  std::map<std::pair<std::uint64_t, std::uint64_t>, merkle::Word> roots;
  const json::array& proofs = testing::vectors().at("scenario").at("proofs").as_array();
  for (const json::value& p : proofs) {
    const json::value& r = p.at("expectedRoot");
    roots[{testing::number(r.at("chainId")), testing::number(r.at("number"))}] =
        *merkle::parse_word(std::string_view(r.at("root").as_string()));
  }
  for (const auto& [key, root] : roots) {
    ASSERT_TRUE(add_root(kImporter, key.first, key.second, root).ok());
  }
  const merkle::SettledRootLookup lookup =
      [&roots](const merkle::Word& chain, const merkle::Word& n) -> std::optional<merkle::Word> {
    const auto small = [](const merkle::Word& w) -> std::optional<std::uint64_t> {
      if (!std::all_of(w.begin(), w.begin() + 24, [](std::uint8_t b) { return b == 0; }))
        return std::nullopt;
      std::uint64_t v = 0;
      for (std::size_t i = 24; i < 32; ++i) v = (v << 8) | w[i];
      return v;
    };
    const auto c = small(chain), b = small(n);
    if (!c || !b) return std::nullopt;
    const auto it = roots.find({*c, *b});
    return it == roots.end() ? std::nullopt : std::optional(it->second);
  };

  std::mt19937_64 rng(20261130);
  int accepted = 0, refused = 0;
  for (const json::value& p : proofs) {
    const std::uint64_t chain = testing::number(p.at("chainId"));
    const std::uint64_t number = testing::number(p.at("batchNumber"));
    const std::uint64_t index = testing::number(p.at("leafIndex"));
    merkle::L2Message message;
    message.tx_number_in_batch =
        static_cast<std::uint16_t>(p.at("message").at("txNumberInBatch").to_number<int>());
    message.sender =
        *merkle::parse_address(std::string_view(p.at("message").at("sender").as_string()));
    message.data = *merkle::parse_hex(std::string_view(p.at("message").at("data").as_string()));
    std::vector<merkle::Word> proof;
    for (const json::value& w : p.at("proof").as_array())
      proof.push_back(*merkle::parse_word(std::string_view(w.as_string())));

    // The proof as published, then mutations: one bit of one word, the index, the number, the
    // message, a word dropped or added.
    for (int round = 0; round < 16; ++round) {
      std::vector<merkle::Word> q = proof;
      std::uint64_t n = number, i = index;
      merkle::L2Message m = message;
      switch (round == 0 ? -1 : static_cast<int>(rng() % 6)) {
        case 0:
        case 1: {
          merkle::Word& w = q[rng() % q.size()];
          w[rng() % 32] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
          break;
        }
        case 2:
          i ^= 1u << (rng() % 14);
          break;
        case 3:
          n += 1;
          break;
        case 4:
          m.data.push_back(0x00);
          break;
        case 5:
          if (rng() % 2 == 0 && q.size() > 1) {
            q.pop_back();
          } else {
            q.push_back(merkle::be32(rng()));
          }
          break;
        default:
          break;
      }
      const bool cpp = merkle::verify_message(chain, n, i, m, q, lookup).ok();
      const std::optional<bool> evm = contract_accepts(prove_call(chain, n, i, m, q));
      EXPECT_EQ(cpp, evm.value_or(false))
          << "shape " << p.at("shape") << " " << chain << ":" << number << " round " << round;
      if (round == 0) {
        EXPECT_TRUE(cpp) << "the published proof must verify";
      }
      (cpp ? accepted : refused) += 1;
    }
  }
  EXPECT_GE(accepted, static_cast<int>(proofs.size()));
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace zkr
