#pragma once
// L1Client over Ethereum JSON-RPC (HTTP): eth_chainId, eth_blockNumber, the `finalized` block
// tag, eth_feeHistory, eth_getTransactionCount, eth_estimateGas, eth_sendRawTransaction,
// eth_getTransactionReceipt, eth_getTransactionByHash and eth_getBlockByNumber. Every failure is
// a Status: Unavailable when the node cannot be reached, Internal when it answers nonsense.

#include <memory>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "settlement/ethereum/l1_client.hpp"

namespace zkr::settlement {

class EthRpcClient final : public L1Client {
 public:
  /// `url` is http://host:port[/path]. Nothing is contacted until the first call.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EthRpcClient>> create(std::string_view url);

  /// One JSON-RPC call; the `result` member, or the node's error as a Status.
  [[nodiscard]] absl::StatusOr<boost::json::value> call(std::string_view method,
                                                        boost::json::array params);

  [[nodiscard]] absl::StatusOr<std::uint64_t> chain_id() override;
  [[nodiscard]] absl::StatusOr<std::uint64_t> head() override;
  [[nodiscard]] absl::StatusOr<std::uint64_t> finalized() override;
  [[nodiscard]] absl::StatusOr<L1Fees> fees() override;
  [[nodiscard]] absl::StatusOr<std::uint64_t> nonce(const merkle::Address& sender) override;
  [[nodiscard]] absl::StatusOr<std::uint64_t> estimate_gas(const merkle::Address& from,
                                                           const std::optional<merkle::Address>& to,
                                                           merkle::ByteSpan data) override;
  [[nodiscard]] absl::StatusOr<merkle::Word> send_raw(merkle::ByteSpan raw) override;
  [[nodiscard]] absl::StatusOr<std::optional<L1Receipt>> receipt(
      const merkle::Word& tx_hash) override;
  [[nodiscard]] absl::StatusOr<bool> knows(const merkle::Word& tx_hash) override;
  [[nodiscard]] absl::StatusOr<std::optional<merkle::Word>> block_hash(
      std::uint64_t number) override;
  /// Replays the transaction as an eth_call on the state before its block.
  [[nodiscard]] absl::StatusOr<std::vector<L1Log>> logs(const LogFilter& filter) override;
  [[nodiscard]] absl::StatusOr<std::string> revert_reason(const eth::SignedTx& tx,
                                                          std::uint64_t block) override;

 private:
  /// The whole JSON-RPC reply (`result` or `error`), or why there is none.
  [[nodiscard]] absl::StatusOr<boost::json::object> exchange(std::string_view method,
                                                             boost::json::array params);
  EthRpcClient(std::string host, std::uint16_t port, std::string target)
      : host_(std::move(host)), port_(port), target_(std::move(target)) {}
  std::string host_;
  std::uint16_t port_;
  std::string target_;
  std::uint64_t next_id_ = 1;
};

/// "0x1a" → 26. InvalidArgument for anything that is not a 0x-quantity of at most 64 bits.
[[nodiscard]] absl::StatusOr<std::uint64_t> parse_quantity(const boost::json::value& v);
std::string to_quantity(std::uint64_t v);

}  // namespace zkr::settlement
