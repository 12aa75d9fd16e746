#include "api/protobuf_batch.hpp"

#include <protozero/exception.hpp>
#include <protozero/pbf_reader.hpp>
#include <protozero/pbf_writer.hpp>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "merkle/constants.hpp"
#include "merkle/status.hpp"

namespace zkr::api {
namespace {

using protozero::pbf_wire_type;

absl::Status wrong(std::string_view message, std::uint32_t tag) {
  return absl::InvalidArgumentError(
      absl::StrCat("protobuf ", to_absl(message), ": field ", tag, " has the wrong type"));
}

template <std::size_t N>
absl::Status copy_bytes(protozero::pbf_reader& r, std::array<std::uint8_t, N>& out,
                        const char* name) {
  const protozero::data_view v = r.get_view();
  if (v.size() != N) {
    return absl::InvalidArgumentError(
        absl::StrCat("protobuf field ", name, " must be ", N, " bytes, got ", v.size()));
  }
  std::copy_n(reinterpret_cast<const std::uint8_t*>(v.data()), N, out.begin());
  return absl::OkStatus();
}

absl::StatusOr<router::BatchLog> decode_log(protozero::pbf_reader r) {
  router::BatchLog l;
  bool has_message = false;
  merkle::Bytes message;
  while (r.next()) {
    const std::uint32_t tag = r.tag();
    const bool varint = r.wire_type() == pbf_wire_type::varint;
    const bool bytes = r.wire_type() == pbf_wire_type::length_delimited;
    switch (tag) {
      case 1: {
        if (!varint) return wrong("Log", tag);
        const std::uint32_t shard = r.get_uint32();
        if (shard > 255)
          return absl::InvalidArgumentError("protobuf field l2_shard_id must be 0..255");
        l.log.l2_shard_id = static_cast<std::uint8_t>(shard);
        break;
      }
      case 2: {
        if (!varint) return wrong("Log", tag);
        // Not get_bool(): it reads the varint's first byte before checking the buffer has one,
        // so a frame that ends right after the tag read past it (found by fuzz_protobuf_batch).
        const std::uint64_t flag = r.get_uint64();
        if (flag > 1) return absl::InvalidArgumentError("protobuf field is_service must be 0 or 1");
        l.log.is_service = flag == 1;
        break;
      }
      case 3: {
        if (!varint) return wrong("Log", tag);
        const std::uint32_t n = r.get_uint32();
        if (n > 0xffff)
          return absl::InvalidArgumentError("protobuf field tx_number_in_batch must fit 16 bits");
        l.log.tx_number_in_batch = static_cast<std::uint16_t>(n);
        break;
      }
      case 4:
        if (!bytes) return wrong("Log", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, l.log.sender, "sender"));
        break;
      case 5:
        if (!bytes) return wrong("Log", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, l.log.key, "key"));
        break;
      case 6:
        if (!bytes) return wrong("Log", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, l.log.value, "value"));
        break;
      case 7:
        if (!bytes) return wrong("Log", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, l.tx_hash, "tx_hash"));
        break;
      case 8: {
        if (!bytes) return wrong("Log", tag);
        const protozero::data_view v = r.get_view();
        message.assign(reinterpret_cast<const std::uint8_t*>(v.data()),
                       reinterpret_cast<const std::uint8_t*>(v.data()) + v.size());
        has_message = true;
        break;
      }
      default:
        r.skip();
    }
  }
  if (has_message) l.message = std::move(message);
  return l;
}

absl::StatusOr<router::TxFacts> decode_tx_facts(protozero::pbf_reader r) {
  router::TxFacts t;
  bool has_hash = false;
  while (r.next()) {
    const std::uint32_t tag = r.tag();
    const bool varint = r.wire_type() == pbf_wire_type::varint;
    const bool bytes = r.wire_type() == pbf_wire_type::length_delimited;
    switch (tag) {
      case 1:
        if (!bytes) return wrong("Transaction", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, t.tx_hash, "hash"));
        has_hash = true;
        break;
      case 2:
        if (!varint) return wrong("Transaction", tag);
        t.block_number = r.get_uint64();
        break;
      case 3:
        if (!bytes) return wrong("Transaction", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, t.block_hash.emplace(), "block_hash"));
        break;
      case 4:
        if (!bytes) return wrong("Transaction", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, t.from.emplace(), "from"));
        break;
      case 5:
        if (!bytes) return wrong("Transaction", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, t.to.emplace(), "to"));
        break;
      default:
        r.skip();
    }
  }
  if (!has_hash) return absl::InvalidArgumentError("protobuf Transaction has no hash (field 1)");
  return t;
}

absl::StatusOr<router::SealedBatch> decode_batch(protozero::pbf_reader r) {
  router::SealedBatch b;
  while (r.next()) {
    const std::uint32_t tag = r.tag();
    const bool varint = r.wire_type() == pbf_wire_type::varint;
    const bool bytes = r.wire_type() == pbf_wire_type::length_delimited;
    switch (tag) {
      case 1:
        if (!varint) return wrong("Batch", tag);
        b.chain_id = r.get_uint64();
        break;
      case 2:
        if (!varint) return wrong("Batch", tag);
        b.batch_number = r.get_uint64();
        break;
      case 3:
        if (!varint) return wrong("Batch", tag);
        b.protocol_version = r.get_uint32();
        break;
      case 4:
        if (!bytes) return wrong("Batch", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, b.aggregated_root, "aggregated_root"));
        break;
      case 5:
        if (!bytes) return wrong("Batch", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, b.local_root, "local_root"));
        break;
      case 6:
        if (!bytes) return wrong("Batch", tag);
        ZKR_RETURN_IF_ERROR(copy_bytes(r, b.chain_batch_root, "chain_batch_root"));
        break;
      case 7: {
        if (!bytes) return wrong("Batch", tag);
        if (b.logs.size() >= merkle::kLogTreeLeaves) {
          return absl::InvalidArgumentError(
              absl::StrCat("a batch holds at most ", merkle::kLogTreeLeaves, " L2->L1 logs"));
        }
        ZKR_ASSIGN_OR_RETURN(router::BatchLog l, decode_log(r.get_message()));
        b.logs.push_back(std::move(l));
        break;
      }
      case 8: {
        if (!bytes) return wrong("Batch", tag);
        if (b.transactions.size() >= merkle::kLogTreeLeaves) {
          return absl::InvalidArgumentError(absl::StrCat(
              "a batch lists at most ", merkle::kLogTreeLeaves, " transactions' facts"));
        }
        ZKR_ASSIGN_OR_RETURN(router::TxFacts t, decode_tx_facts(r.get_message()));
        b.transactions.push_back(t);
        break;
      }
      default:
        r.skip();
    }
  }
  return b;
}

}  // namespace

absl::StatusOr<BatchFrame> decode_batch_frame(std::string_view bytes) {
  // protozero throws on truncated or malformed input; this is the one place that catches it.
  try {
    protozero::pbf_reader r(bytes.data(), bytes.size());
    BatchFrame frame;
    bool has_batch = false;
    while (r.next()) {
      switch (r.tag()) {
        case 1:
          if (r.wire_type() != pbf_wire_type::varint) return wrong("SubmitBatch", 1);
          frame.request_id = r.get_uint64();
          break;
        case 2: {
          if (r.wire_type() != pbf_wire_type::length_delimited) return wrong("SubmitBatch", 2);
          ZKR_ASSIGN_OR_RETURN(frame.batch, decode_batch(r.get_message()));
          has_batch = true;
          break;
        }
        default:
          r.skip();
      }
    }
    if (!has_batch)
      return absl::InvalidArgumentError("protobuf SubmitBatch has no batch (field 2)");
    return frame;
  } catch (const protozero::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed protobuf frame: ", e.what()));
  }
}

std::string encode_batch_frame(const BatchFrame& frame) {
  std::string out;
  protozero::pbf_writer w(out);
  w.add_uint64(1, frame.request_id);
  {
    protozero::pbf_writer b(w, 2);
    const router::SealedBatch& batch = frame.batch;
    b.add_uint64(1, batch.chain_id);
    b.add_uint64(2, batch.batch_number);
    b.add_uint32(3, batch.protocol_version);
    const auto add_word = [](protozero::pbf_writer& m, std::uint32_t tag, const auto& bytes) {
      m.add_bytes(tag, reinterpret_cast<const char*>(bytes.data()), bytes.size());
    };
    add_word(b, 4, batch.aggregated_root);
    add_word(b, 5, batch.local_root);
    add_word(b, 6, batch.chain_batch_root);
    for (const router::BatchLog& l : batch.logs) {
      protozero::pbf_writer lw(b, 7);
      lw.add_uint32(1, l.log.l2_shard_id);
      lw.add_bool(2, l.log.is_service);
      lw.add_uint32(3, l.log.tx_number_in_batch);
      add_word(lw, 4, l.log.sender);
      add_word(lw, 5, l.log.key);
      add_word(lw, 6, l.log.value);
      add_word(lw, 7, l.tx_hash);
      if (l.message) add_word(lw, 8, *l.message);
    }
    for (const router::TxFacts& t : batch.transactions) {
      protozero::pbf_writer tw(b, 8);
      add_word(tw, 1, t.tx_hash);
      if (t.block_number) tw.add_uint64(2, *t.block_number);
      if (t.block_hash) add_word(tw, 3, *t.block_hash);
      if (t.from) add_word(tw, 4, *t.from);
      if (t.to) add_word(tw, 5, *t.to);
    }
  }
  return out;
}

}  // namespace zkr::api
