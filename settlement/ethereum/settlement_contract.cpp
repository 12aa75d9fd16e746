#include "settlement/ethereum/settlement_contract.hpp"

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include <boost/json.hpp>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/ethereum/eth_tx.hpp"
#include "settlement/ethereum/l1_calls.hpp"
#include "settlement/ethereum/rlp.hpp"

namespace zkr::settlement::contract {
namespace {

namespace json = boost::json;

void put(merkle::Bytes& out, const merkle::Word& w) {
  out.insert(out.end(), w.begin(), w.end());
}

}  // namespace

absl::StatusOr<std::vector<merkle::Word>> view_call(EthRpcClient& node, const merkle::Address& at,
                                                    const merkle::Bytes& calldata) {
  ZKR_ASSIGN_OR_RETURN(
      const json::value r,
      node.call("eth_call", json::array{json::object{{"to", merkle::to_hex(at)},
                                                     {"data", merkle::to_hex(calldata)}},
                                        "latest"}));
  const json::string* text = r.if_string();
  const absl::StatusOr<merkle::Bytes> bytes =
      text == nullptr ? absl::InternalError("not a string") : merkle::parse_hex(*text);
  if (!bytes.ok() || bytes->empty() || bytes->size() % 32 != 0) {
    return absl::InternalError(absl::StrCat("the contract at ", merkle::to_hex(at), " answered ",
                                            json::serialize(r),
                                            " (is the expected contract deployed there?)"));
  }
  std::vector<merkle::Word> words(bytes->size() / 32);
  for (std::size_t i = 0; i < words.size(); ++i)
    std::copy_n(bytes->begin() + static_cast<std::ptrdiff_t>(32 * i), 32, words[i].begin());
  return words;
}

absl::StatusOr<std::vector<merkle::Word>> view(EthRpcClient& node, const merkle::Address& at,
                                               std::string_view signature,
                                               std::initializer_list<merkle::Word> args) {
  return view_call(node, at, l1calls::with_words(signature, args));
}

namespace {

absl::StatusOr<std::uint64_t> view_u64(EthRpcClient& node, const merkle::Address& at,
                                       std::string_view signature) {
  ZKR_ASSIGN_OR_RETURN(const std::vector<merkle::Word> w, view(node, at, signature));
  const std::optional<std::uint64_t> v = merkle::to_u64(w[0]);
  if (!v) return absl::InternalError(absl::StrCat(to_absl(signature), " exceeds 64 bits"));
  return *v;
}

}  // namespace

absl::StatusOr<merkle::Bytes> creation_code(const std::string& artifact_path,
                                            std::uint64_t settling_chain_id,
                                            const merkle::Address& proof_signer) {
  std::ifstream in(artifact_path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        "cannot read ", artifact_path,
        ": the compiled L1Settlement (the build writes it into contracts/ of the build folder "
        "when npm ci has installed solc)"));
  }
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  json::error_code ec;
  const json::value artifact = json::parse(text, ec);
  const json::object* o = ec ? nullptr : artifact.if_object();
  const json::value* bytecode = o == nullptr ? nullptr : o->if_contains("bytecode");
  if (bytecode == nullptr || !bytecode->is_string())
    return absl::InvalidArgumentError(absl::StrCat(artifact_path, " has no \"bytecode\" string"));
  ZKR_ASSIGN_OR_RETURN(merkle::Bytes code, merkle::parse_hex(bytecode->as_string()));
  if (code.empty())
    return absl::InvalidArgumentError(absl::StrCat(artifact_path, " holds no creation code"));
  put(code, merkle::be32(settling_chain_id));
  put(code, merkle::address_to_word(proof_signer));
  return code;
}

merkle::Address created_address(const merkle::Address& sender, std::uint64_t nonce) {
  const merkle::Bytes encoded =
      rlp::encode(rlp::Item::list({rlp::Item::string(sender), rlp::Item::uint(nonce)}));
  const merkle::Word h = merkle::keccak256(merkle::ByteSpan(encoded));
  merkle::Address a;
  std::copy(h.begin() + 12, h.end(), a.begin());
  return a;
}

absl::StatusOr<L1Receipt> transact(L1Client& node, const secp256k1::PrivateKey& sender,
                                   const std::optional<merkle::Address>& to,
                                   const merkle::Bytes& data, int timeout_s) {
  const merkle::Address from = sender.address();
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t chain_id, node.chain_id());
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t nonce, node.nonce(from));
  ZKR_ASSIGN_OR_RETURN(const L1Fees fees, node.fees());
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t gas, node.estimate_gas(from, to, data));
  const eth::Eip1559Tx tx{
      .chain_id = chain_id,
      .nonce = nonce,
      .max_priority_fee_per_gas = fees.max_priority_fee_per_gas,
      .max_fee_per_gas = 2 * fees.base_fee_per_gas + fees.max_priority_fee_per_gas,
      .gas_limit = gas + gas / 5,
      .to = to,
      .value = 0,
      .data = data};
  ZKR_ASSIGN_OR_RETURN(const eth::SignedTx signed_tx, eth::sign(tx, sender));
  ZKR_ASSIGN_OR_RETURN(const merkle::Word hash, node.send_raw(signed_tx.raw));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    ZKR_ASSIGN_OR_RETURN(const std::optional<L1Receipt> receipt, node.receipt(hash));
    if (receipt) {
      if (receipt->success) return *receipt;
      ZKR_ASSIGN_OR_RETURN(const std::string why,
                           node.revert_reason(signed_tx, receipt->block_number));
      return absl::FailedPreconditionError(absl::StrCat("transaction ", merkle::to_hex(hash),
                                                        " reverted in block ",
                                                        receipt->block_number, ": ", why));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("transaction ", merkle::to_hex(hash),
                                                      " was not mined within ", timeout_s, " s"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

absl::StatusOr<merkle::Address> deploy(EthRpcClient& node, const secp256k1::PrivateKey& deployer,
                                       const merkle::Bytes& code, int timeout_s) {
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t nonce, node.nonce(deployer.address()));
  ZKR_RETURN_IF_ERROR(transact(node, deployer, std::nullopt, code, timeout_s).status());
  return created_address(deployer.address(), nonce);
}

absl::StatusOr<SettledState> read_state(EthRpcClient& node, const merkle::Address& at) {
  SettledState s;
  ZKR_ASSIGN_OR_RETURN(s.settling_chain_id, view_u64(node, at, "settlingChainId()"));
  ZKR_ASSIGN_OR_RETURN(const std::vector<merkle::Word> signer, view(node, at, "proofSigner()"));
  std::copy(signer[0].begin() + 12, signer[0].end(), s.proof_signer.begin());
  ZKR_ASSIGN_OR_RETURN(s.committed, view_u64(node, at, "totalBatchesCommitted()"));
  ZKR_ASSIGN_OR_RETURN(s.verified, view_u64(node, at, "totalBatchesVerified()"));
  ZKR_ASSIGN_OR_RETURN(s.executed, view_u64(node, at, "totalBatchesExecuted()"));
  return s;
}

absl::StatusOr<merkle::Word> l2_logs_root_hash(EthRpcClient& node, const merkle::Address& at,
                                               std::uint64_t batch) {
  ZKR_ASSIGN_OR_RETURN(const std::vector<merkle::Word> w,
                       view(node, at, "l2LogsRootHash(uint256)", {merkle::be32(batch)}));
  return w[0];
}

merkle::Bytes prove_message_call(std::uint64_t chain_id, std::uint64_t batch_number,
                                 std::uint64_t index, const merkle::L2Message& m,
                                 std::span<const merkle::Word> proof) {
  merkle::Bytes out = l1calls::with_words(
      "proveL2MessageInclusionShared(uint256,uint256,uint256,(uint16,address,bytes),bytes32[])");
  const std::size_t padded = (m.data.size() + 31) / 32 * 32;
  const std::size_t message_words = 3 + 1 + padded / 32;  // head (3), length, data
  put(out, merkle::be32(chain_id));
  put(out, merkle::be32(batch_number));
  put(out, merkle::be32(index));
  put(out, merkle::be32(5 * 32));                       // offset of the message tuple
  put(out, merkle::be32(5 * 32 + message_words * 32));  // offset of the proof array
  put(out, merkle::be32(m.tx_number_in_batch));
  put(out, merkle::address_to_word(m.sender));
  put(out, merkle::be32(3 * 32));  // the bytes' offset inside the tuple
  put(out, merkle::be32(m.data.size()));
  out.insert(out.end(), m.data.begin(), m.data.end());
  out.resize(out.size() + padded - m.data.size(), 0);
  put(out, merkle::be32(proof.size()));
  for (const merkle::Word& w : proof) put(out, w);
  return out;
}

absl::StatusOr<bool> proves_message(EthRpcClient& node, const merkle::Address& at,
                                    std::uint64_t chain_id, std::uint64_t batch_number,
                                    std::uint64_t index, const merkle::L2Message& message,
                                    std::span<const merkle::Word> proof) {
  ZKR_ASSIGN_OR_RETURN(
      const std::vector<merkle::Word> answer,
      view_call(node, at, prove_message_call(chain_id, batch_number, index, message, proof)));
  if (answer.size() != 1 || (answer[0] != merkle::be32(0) && answer[0] != merkle::be32(1))) {
    return absl::InternalError("proveL2MessageInclusionShared answered something not a bool");
  }
  return answer[0] == merkle::be32(1);
}

}  // namespace zkr::settlement::contract
