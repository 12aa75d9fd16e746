// The project's destination-chain contracts (contracts/*.sol, compiled by solc-js) on a real EVM
// (anvil), deployed at their canonical addresses by the devnet's own code (app/destination.hpp):
// InteropRootStorage (0x…10008) holds the roots an importer added, and L2MessageVerification
// (0x…10009) accepts exactly the proofs the C++ verifier accepts, on every scenario proof of
// vectors.json and on random mutations of them.

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

#include <boost/json.hpp>

#include "app/destination.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "merkle/verifier.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/vectors.hpp"

namespace zkr {
namespace {

namespace json = boost::json;

using app::destination_interop_root;
using app::destination_proves_message;
using app::DestinationChain;

// The devnet's own destination chain: anvil with the compiled contracts at their addresses, as
// app/destination.cpp deploys them.
class Contracts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_anvil()) GTEST_SKIP() << "anvil is not installed (ZKR_ANVIL)";
    const char* dir = std::getenv("ZKR_CONTRACTS_DIR");
    auto started = DestinationChain::start({.anvil = testing::anvil_binary(),
                                            .contracts_dir = dir == nullptr ? "" : dir,
                                            .log_file = dir_.file("anvil.log")});
    if (!started.ok()) {
      const char* ci = std::getenv("CI");
      if (started.status().code() == absl::StatusCode::kNotFound &&
          (ci == nullptr || std::string(ci) != "true")) {
        GTEST_SKIP() << started.status();
      }
      FAIL() << started.status();
    }
    chain_ = std::move(*started);
  }

  testing::TempDir dir_;
  std::unique_ptr<DestinationChain> chain_;
};

TEST_F(Contracts, OnlyTheImporterAddsARootAndOnlyOnce) {
  const merkle::Word root = merkle::be32(77);
  // anvil's second account is not the importer.
  EXPECT_FALSE(chain_->add_root(506, 1, root, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8").ok());
  EXPECT_TRUE(chain_->add_root(506, 1, root).ok());
  EXPECT_FALSE(chain_->add_root(506, 1, merkle::be32(78)).ok());
  EXPECT_FALSE(chain_->add_root(506, 2, merkle::Word{}).ok());
  const auto got = destination_interop_root(chain_->rpc(), 506, 1);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, root);
  EXPECT_EQ(*destination_interop_root(chain_->rpc(), 506, 2), merkle::Word{});
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
    ASSERT_TRUE(chain_->add_root(key.first, key.second, root).ok());
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
      // A revert counts as a refusal.
      const absl::StatusOr<bool> evm = destination_proves_message(chain_->rpc(), chain, n, i, m, q);
      EXPECT_EQ(cpp, evm.ok() && *evm)
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
