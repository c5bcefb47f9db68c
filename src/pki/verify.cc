#include "pki/verify.h"

#include <openssl/x509_vfy.h>

#include <ctime>

#include "pki/internal/x509_util.h"

namespace cairn::pki {

Result<std::vector<Certificate>> BuildVerifiedChain(const Certificate& leaf,
                                                    const std::vector<Certificate>& intermediates,
                                                    const std::vector<Certificate>& roots,
                                                    const VerifyOptions& opts) {
  if (roots.empty()) return InvalidArgumentError("verify: no root certificates");
  if (intermediates.size() > kMaxIntermediates) {
    return InvalidArgumentError("verify: too many intermediate certificates");
  }
  ossl::UniquePtr<X509_STORE> store(X509_STORE_new());
  ossl::UniquePtr<STACK_OF(X509)> untrusted(sk_X509_new_null());
  ossl::UniquePtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return ossl::ErrorStatus("verify: allocation");
  for (const auto& r : roots) {
    if (X509_STORE_add_cert(store.get(), r.get()) != 1) {
      // Adding the same root twice is harmless.
      ossl::ClearErrors();
    }
  }
  for (const auto& i : intermediates) {
    auto ref = ossl::UpRef(i.get());
    if (sk_X509_push(untrusted.get(), ref.get()) == 0) return ossl::ErrorStatus("sk_X509_push");
    (void)ref.release();
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
    return ossl::ErrorStatus("X509_STORE_CTX_init");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // Go's x509.Verify treats every certificate in Roots as an anchor.
  unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;
  if (opts.ignore_time) {
    flags |= X509_V_FLAG_NO_CHECK_TIME;
  } else if (opts.at.has_value()) {
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(ToUnixSeconds(*opts.at)));
  }
  X509_VERIFY_PARAM_set_flags(param, flags);
  X509_VERIFY_PARAM_set_depth(param, opts.max_depth < 0 ? 0 : opts.max_depth);
  switch (opts.purpose) {
    case VerifyOptions::Purpose::kAny:
      break;
    case VerifyOptions::Purpose::kServerAuth:
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
      break;
    case VerifyOptions::Purpose::kClientAuth:
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
      break;
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    std::string msg = "certificate verification failed: ";
    msg += X509_verify_cert_error_string(err);
    msg += " (depth " + std::to_string(depth);
    if (X509* bad = X509_STORE_CTX_get_current_cert(ctx.get())) {
      msg += ", subject " + internal::NameToString(X509_get_subject_name(bad));
    }
    msg += ")";
    ossl::ClearErrors();
    return UnauthenticatedError(std::move(msg));
  }
  std::vector<Certificate> chain;
  STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 0; i < sk_X509_num(built); ++i) {
    CAIRN_ASSIGN_OR_RETURN(Certificate c, Certificate::FromX509(sk_X509_value(built, i)));
    chain.push_back(std::move(c));
  }
  return chain;
}

Status VerifyChain(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                   const std::vector<Certificate>& roots, const VerifyOptions& opts) {
  return BuildVerifiedChain(leaf, intermediates, roots, opts).status();
}

}  // namespace cairn::pki
