#include "settlement/ethereum/secp256k1.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"

namespace zkr::settlement::secp256k1 {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX_free>>;
using PointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

void free_openssl_bytes(unsigned char* p) noexcept {
  OPENSSL_free(p);
}

constexpr const char* kCurve = "secp256k1";

/// The curve, created once; EC_GROUP is safe to share for reading.
const EC_GROUP* group() {
  static const EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_secp256k1);
  ZKR_CHECK(g != nullptr);
  return g;
}

BnPtr bn_from(const merkle::Word& w) {
  return BnPtr(BN_bin2bn(w.data(), static_cast<int>(w.size()), nullptr));
}

merkle::Word word_from(const BIGNUM* bn) {
  merkle::Word w{};
  ZKR_CHECK(BN_bn2binpad(bn, w.data(), static_cast<int>(w.size())) == 32);
  return w;
}

std::array<std::uint8_t, 65> uncompressed(const PublicKey& key) {
  std::array<std::uint8_t, 65> out{};
  out[0] = 0x04;
  std::copy(key.xy.begin(), key.xy.end(), out.begin() + 1);
  return out;
}

PublicKey from_point(const EC_POINT* point, BN_CTX* ctx) {
  std::array<std::uint8_t, 65> buf{};
  ZKR_CHECK(EC_POINT_point2oct(group(), point, POINT_CONVERSION_UNCOMPRESSED, buf.data(),
                               buf.size(), ctx) == buf.size());
  PublicKey key;
  std::copy(buf.begin() + 1, buf.end(), key.xy.begin());
  return key;
}

/// An EVP key from raw parts: the public point always, the secret when signing.
absl::StatusOr<PkeyPtr> make_pkey(const PublicKey& pub, const merkle::Word* secret) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  const auto point = uncompressed(pub);
  BnPtr priv;
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kCurve, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size()))
    return absl::InternalError("OpenSSL could not build key parameters");
  if (secret != nullptr) {
    priv = bn_from(*secret);
    if (!priv || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()))
      return absl::InternalError("OpenSSL could not build key parameters");
  }
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, secret != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) <= 0)
    return absl::InvalidArgumentError("the key is not a valid secp256k1 key");
  return PkeyPtr(raw);
}

const BIGNUM* order() {
  return EC_GROUP_get0_order(group());
}

/// n / 2: the largest s Ethereum accepts (EIP-2). Computed once.
const BIGNUM* half_order() {
  static const BIGNUM* half = [] {
    BIGNUM* h = BN_dup(order());
    ZKR_CHECK(h != nullptr && BN_rshift1(h, h) == 1);
    return h;
  }();
  return half;
}

/// 1 <= v < n
bool in_scalar_range(const BIGNUM* v) {
  return !BN_is_zero(v) && !BN_is_negative(v) && BN_cmp(v, order()) < 0;
}

}  // namespace

merkle::Bytes Signature::compact() const {
  merkle::Bytes out(r.begin(), r.end());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

merkle::Bytes Signature::rsv() const {
  merkle::Bytes out = compact();
  out.push_back(static_cast<std::uint8_t>(27 + recovery_id));
  return out;
}

absl::StatusOr<PrivateKey> PrivateKey::from_bytes(merkle::ByteSpan bytes) {
  if (bytes.size() != 32)
    return absl::InvalidArgumentError(
        absl::StrCat("a private key is 32 bytes, not ", bytes.size()));
  PrivateKey key;
  std::copy(bytes.begin(), bytes.end(), key.secret_.begin());
  BnPtr k = bn_from(key.secret_);
  if (!k || !in_scalar_range(k.get()))
    return absl::InvalidArgumentError("a private key must be in [1, n) of secp256k1");
  BnCtxPtr ctx(BN_CTX_new());
  PointPtr pub(EC_POINT_new(group()));
  if (!ctx || !pub || EC_POINT_mul(group(), pub.get(), k.get(), nullptr, nullptr, ctx.get()) != 1)
    return absl::InternalError("OpenSSL could not derive the public key");
  BN_clear(k.get());
  key.public_ = from_point(pub.get(), ctx.get());
  return key;
}

absl::StatusOr<PrivateKey> PrivateKey::from_hex(std::string_view hex) {
  ZKR_ASSIGN_OR_RETURN(merkle::Bytes bytes, merkle::parse_hex(hex));
  auto key = from_bytes(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

PrivateKey::~PrivateKey() {
  OPENSSL_cleanse(secret_.data(), secret_.size());
}

merkle::Address PrivateKey::address() const {
  return address_of(public_);
}

absl::StatusOr<Signature> PrivateKey::sign(const merkle::Word& digest) const {
  ZKR_ASSIGN_OR_RETURN(PkeyPtr pkey, make_pkey(public_, &secret_));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  std::array<std::uint8_t, 80> der{};
  std::size_t der_len = der.size();
  // No message digest is set on the context, so the 32 input bytes are signed as the hash.
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 ||
      EVP_PKEY_sign(ctx.get(), der.data(), &der_len, digest.data(), digest.size()) <= 0)
    return absl::InternalError("OpenSSL could not sign");
  const unsigned char* p = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return absl::InternalError("OpenSSL returned an unreadable signature");
  Signature out;
  out.r = word_from(ECDSA_SIG_get0_r(sig.get()));
  BnPtr s(BN_dup(ECDSA_SIG_get0_s(sig.get())));
  if (BN_cmp(s.get(), half_order()) > 0) {
    // (r, n - s) is the other valid signature; Ethereum accepts only the low one.
    ZKR_CHECK(BN_sub(s.get(), order(), s.get()) == 1);
  }
  out.s = word_from(s.get());
  for (std::uint8_t id = 0; id < 2; ++id) {
    out.recovery_id = id;
    auto recovered = recover(digest, out);
    if (recovered.ok() && *recovered == public_) return out;
  }
  return absl::InternalError("no recovery id reproduces the signing key");
}

absl::StatusOr<PublicKey> parse_public_key(merkle::ByteSpan bytes) {
  std::array<std::uint8_t, 65> buf{};
  std::size_t len = bytes.size();
  if (len == 64) {
    buf[0] = 0x04;
    std::copy(bytes.begin(), bytes.end(), buf.begin() + 1);
    len = 65;
  } else if (len == 33 || len == 65) {
    std::copy(bytes.begin(), bytes.end(), buf.begin());
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("a secp256k1 public key is 33, 64 or 65 bytes, not ", bytes.size()));
  }
  BnCtxPtr ctx(BN_CTX_new());
  PointPtr point(EC_POINT_new(group()));
  if (!ctx || !point || EC_POINT_oct2point(group(), point.get(), buf.data(), len, ctx.get()) != 1 ||
      EC_POINT_is_at_infinity(group(), point.get()) == 1 ||
      EC_POINT_is_on_curve(group(), point.get(), ctx.get()) != 1)
    return absl::InvalidArgumentError("the public key is not a point on secp256k1");
  return from_point(point.get(), ctx.get());
}

merkle::Bytes compressed(const PublicKey& key) {
  merkle::Bytes out(33);
  out[0] = static_cast<std::uint8_t>((key.xy[63] & 1) ? 0x03 : 0x02);
  std::copy(key.xy.begin(), key.xy.begin() + 32, out.begin() + 1);
  return out;
}

absl::Status verify(const PublicKey& key, const merkle::Word& digest, const merkle::Word& r,
                    const merkle::Word& s) {
  BnPtr rb = bn_from(r);
  BnPtr sb = bn_from(s);
  if (!rb || !sb || !in_scalar_range(rb.get()) || !in_scalar_range(sb.get()))
    return absl::InvalidArgumentError("signature r or s is outside [1, n)");
  if (BN_cmp(sb.get(), half_order()) > 0)
    return absl::InvalidArgumentError(
        "signature s is in the upper half of the group order (a malleable signature)");
  SigPtr sig(ECDSA_SIG_new());
  if (!sig || ECDSA_SIG_set0(sig.get(), rb.get(), sb.get()) != 1)
    return absl::InternalError("OpenSSL could not hold the signature");
  rb.release();  // owned by sig now
  sb.release();
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return absl::InternalError("OpenSSL could not encode the signature");
  std::unique_ptr<unsigned char, Deleter<free_openssl_bytes>> der_owner(der);
  ZKR_ASSIGN_OR_RETURN(PkeyPtr pkey, make_pkey(key, nullptr));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) <= 0)
    return absl::InternalError("OpenSSL could not set up verification");
  const int ok = EVP_PKEY_verify(ctx.get(), der, static_cast<std::size_t>(der_len), digest.data(),
                                 digest.size());
  if (ok != 1)
    return absl::PermissionDeniedError("the signature does not match the key and message");
  return absl::OkStatus();
}

absl::StatusOr<PublicKey> recover(const merkle::Word& digest, const Signature& signature) {
  if (signature.recovery_id > 1)
    return absl::InvalidArgumentError("the recovery id must be 0 or 1");
  BnPtr r = bn_from(signature.r);
  BnPtr s = bn_from(signature.s);
  BnPtr z = bn_from(digest);
  if (!r || !s || !z || !in_scalar_range(r.get()) || !in_scalar_range(s.get()))
    return absl::InvalidArgumentError("signature r or s is outside [1, n)");
  BnCtxPtr ctx(BN_CTX_new());
  PointPtr big_r(EC_POINT_new(group()));
  // R has x = r (r < n < p, and r + n >= p for this curve's ids 0/1) and the given y parity.
  if (!ctx || !big_r ||
      EC_POINT_set_compressed_coordinates(group(), big_r.get(), r.get(), signature.recovery_id,
                                          ctx.get()) != 1)
    return absl::InvalidArgumentError("no curve point has x = r");
  // Q = r⁻¹ (s·R − z·G) = (−z·r⁻¹)·G + (s·r⁻¹)·R
  BnPtr r_inv(BN_mod_inverse(nullptr, r.get(), order(), ctx.get()));
  BnPtr g_scalar(BN_new());
  BnPtr r_scalar(BN_new());
  if (!r_inv || !g_scalar || !r_scalar ||
      BN_mod_mul(g_scalar.get(), z.get(), r_inv.get(), order(), ctx.get()) != 1 ||
      BN_mod_sub(g_scalar.get(), order(), g_scalar.get(), order(), ctx.get()) != 1 ||
      BN_mod_mul(r_scalar.get(), s.get(), r_inv.get(), order(), ctx.get()) != 1)
    return absl::InternalError("OpenSSL scalar arithmetic failed");
  PointPtr q(EC_POINT_new(group()));
  if (!q ||
      EC_POINT_mul(group(), q.get(), g_scalar.get(), big_r.get(), r_scalar.get(), ctx.get()) != 1)
    return absl::InternalError("OpenSSL point arithmetic failed");
  if (EC_POINT_is_at_infinity(group(), q.get()) == 1)
    return absl::InvalidArgumentError("the signature recovers to no key");
  return from_point(q.get(), ctx.get());
}

merkle::Address address_of(const PublicKey& key) {
  const merkle::Word h = merkle::keccak256(merkle::ByteSpan(key.xy));
  merkle::Address a{};
  std::copy(h.begin() + 12, h.end(), a.begin());
  return a;
}

}  // namespace zkr::settlement::secp256k1
