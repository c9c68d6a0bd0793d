// FakeAcmeClient: orders, authorizations and challenges in memory; certificates signed with
// OpenSSL by a CA generated at construction.
#include "support/fake_acme_client.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

namespace certadns::test {
namespace {

template <auto kFree>
struct Free {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<&EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Free<&X509_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Free<&X509_REQ_free>>;
using BioPtr = std::unique_ptr<BIO, Free<&BIO_free_all>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Free<&GENERAL_NAMES_free>>;
using AsnTimePtr = std::unique_ptr<ASN1_TIME, Free<&ASN1_TIME_free>>;
using AsnIntPtr = std::unique_ptr<ASN1_INTEGER, Free<&ASN1_INTEGER_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<&BN_free>>;
struct ExtStackFree {
  void operator()(STACK_OF(X509_EXTENSION) * s) const {
    sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
  }
};
using ExtStackPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtStackFree>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Free<&X509_EXTENSION_free>>;

constexpr std::string_view kBase = "https://acme.test";

// The fake's own set-up cannot fail in a healthy test process; if it does, stop loudly.
void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "FakeAcmeClient: OpenSSL failed: %s\n", what);
    std::abort();
  }
}

PkeyPtr NewEcKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EC key generation");
  return key;
}

void SetTime(X509* cert, core::TimePoint t, bool not_before) {
  AsnTimePtr asn1(ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(t)));
  Check(asn1 != nullptr, "ASN1_TIME_set");
  Check((not_before ? X509_set1_notBefore(cert, asn1.get())
                    : X509_set1_notAfter(cert, asn1.get())) == 1,
        "set validity");
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  Check(ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1, "add extension");
}

void SetSerial(X509* cert, long serial) {
  AsnIntPtr value(ASN1_INTEGER_new());
  Check(value != nullptr && ASN1_INTEGER_set(value.get(), serial) == 1, "serial");
  Check(X509_set_serialNumber(cert, value.get()) == 1, "set serial");
}

void SetCn(X509_NAME* name, const std::string& cn) {
  Check(X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) == 1,
        "subject CN");
}

/// A CA certificate for `key`, signed by `issuer_key` (self-signed when `issuer` is null).
X509Ptr MakeCa(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
               core::TimePoint not_before, core::TimePoint not_after, long serial) {
  X509Ptr cert(X509_new());
  Check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), X509_VERSION_3);
  SetSerial(cert.get(), serial);
  SetCn(X509_get_subject_name(cert.get()), cn);
  X509_set_issuer_name(cert.get(),
                       issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(cert.get()));
  SetTime(cert.get(), not_before, true);
  SetTime(cert.get(), not_after, false);
  Check(X509_set_pubkey(cert.get(), key) == 1, "set CA key");
  X509* ext_issuer = issuer ? issuer : cert.get();
  AddExtension(cert.get(), ext_issuer, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert.get(), ext_issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(cert.get(), ext_issuer, NID_subject_key_identifier, "hash");
  AddExtension(cert.get(), ext_issuer, NID_authority_key_identifier, "keyid:always");
  Check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "sign CA");
  return cert;
}

std::string ToPem(X509* cert) {
  BioPtr out(BIO_new(BIO_s_mem()));
  Check(out != nullptr && PEM_write_bio_X509(out.get(), cert) == 1, "PEM write");
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string ToDer(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  Check(len > 0, "i2d_X509");
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

core::TimePoint Now(const core::Clock* clock) {
  return clock ? clock->Now() : std::chrono::system_clock::now();
}

core::Error ProblemError(core::ErrorCode code, const std::string& type, const std::string& detail,
                         long status) {
  // The shape of acme::ProblemToError(), without linking certadns::acme.
  core::Error error(code, type + ": " + detail + " (status " + std::to_string(status) + ")");
  error.WithAcmeProblem("urn:ietf:params:acme:error:" + type);
  return error;
}

}  // namespace

std::string_view ToString(FakeAcmeClient::Method method) {
  using M = FakeAcmeClient::Method;
  switch (method) {
    case M::kAccountThumbprint:
      return "AccountThumbprint";
    case M::kNewOrder:
      return "NewOrder";
    case M::kGetOrder:
      return "GetOrder";
    case M::kGetAuthorization:
      return "GetAuthorization";
    case M::kRespondToChallenge:
      return "RespondToChallenge";
    case M::kFinalize:
      return "Finalize";
    case M::kDownloadCertificate:
      return "DownloadCertificate";
    case M::kRevokeCertificate:
      return "RevokeCertificate";
    case M::kGetRenewalInfo:
      return "GetRenewalInfo";
  }
  return "?";
}

struct FakeAcmeClient::Ca {
  PkeyPtr root_key;
  X509Ptr root;
  PkeyPtr intermediate_key;
  X509Ptr intermediate;
  std::string root_pem;
  std::string intermediate_pem;
};

FakeAcmeClient::FakeAcmeClient(const core::Clock* clock) : clock_(clock), ca_(new Ca) {
  // Valid around both the fake and the real now, so chains verify either way.
  core::TimePoint t = std::min(Now(clock_), std::chrono::system_clock::now());
  core::TimePoint from = t - std::chrono::hours(24 * 365);
  core::TimePoint until = t + std::chrono::hours(24 * 365 * 20);
  ca_->root_key = NewEcKey();
  ca_->root = MakeCa("certadns fake root", ca_->root_key.get(), nullptr, ca_->root_key.get(), from,
                     until, 1);
  ca_->intermediate_key = NewEcKey();
  ca_->intermediate = MakeCa("certadns fake intermediate", ca_->intermediate_key.get(),
                             ca_->root.get(), ca_->root_key.get(), from, until, 2);
  ca_->root_pem = ToPem(ca_->root.get());
  ca_->intermediate_pem = ToPem(ca_->intermediate.get());
}

FakeAcmeClient::~FakeAcmeClient() = default;

void FakeAcmeClient::SetBehavior(const std::string& name, NameBehavior behavior) {
  std::lock_guard<std::mutex> lock(mu_);
  behaviors_[name] = std::move(behavior);
}

void FakeAcmeClient::SetOrderProcessingPolls(int polls) {
  std::lock_guard<std::mutex> lock(mu_);
  processing_polls_ = polls;
}

void FakeAcmeClient::SetLeafForAnotherKey(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  leaf_for_another_key_ = on;
}

void FakeAcmeClient::SetLeafValidity(core::Duration validity) {
  std::lock_guard<std::mutex> lock(mu_);
  validity_ = validity;
}

void FakeAcmeClient::FailNext(Method method, int count, std::optional<core::Error> error,
                              bool after_effect) {
  std::lock_guard<std::mutex> lock(mu_);
  Injection injection;
  injection.count = count;
  injection.error = error.value_or(
      core::Unavailable("FakeAcmeClient: injected failure of " + std::string(ToString(method))));
  injection.after_effect = after_effect;
  injections_[method] = std::move(injection);
}

void FakeAcmeClient::Record(Method method, std::string url, std::vector<std::string> names) {
  calls_.push_back({method, std::move(url), std::move(names)});
}

std::optional<FakeAcmeClient::Injection> FakeAcmeClient::TakeInjection(Method method) {
  auto it = injections_.find(method);
  if (it == injections_.end() || it->second.count <= 0) return std::nullopt;
  --it->second.count;
  return it->second;
}

acme::Challenge FakeAcmeClient::ChallengeView(const AuthzRec& a) const {
  acme::Challenge c;
  c.type = "dns-01";
  c.url = a.dns.url;
  c.token = a.dns.token;
  c.status = a.dns.status;
  if (a.dns.status == "invalid") c.error = a.behavior.problem;
  return c;
}

acme::Authorization FakeAcmeClient::AuthzView(const AuthzRec& a) const {
  acme::Authorization view;
  view.url = a.url;
  view.status = a.status;
  view.wildcard = a.name.rfind("*.", 0) == 0;
  view.identifier = view.wildcard ? a.name.substr(2) : a.name;
  // A decoy first, as real CAs offer several types; the engine must pick dns-01.
  view.challenges.push_back(acme::Challenge{
      "http-01", a.dns.url + "-http", a.dns.token, a.status == "valid" ? "valid" : "pending", {}});
  if (view.wildcard) view.challenges.clear();  // RFC 8555 §7.1.3: wildcards are dns-01 only
  view.challenges.push_back(ChallengeView(a));
  if (a.status == "pending") view.retry_after_s = a.behavior.retry_after_s;
  return view;
}

void FakeAcmeClient::RefreshOrder(OrderRec& order) {
  if (order.status != "pending") return;
  bool all_valid = true;
  for (const std::string& url : order.authorizations) {
    const AuthzRec& a = authzs_.at(url);
    if (a.status == "invalid") {
      order.status = "invalid";
      order.error = a.behavior.problem;
      return;
    }
    all_valid = all_valid && a.status == "valid";
  }
  if (all_valid) order.status = "ready";
}

acme::Order FakeAcmeClient::OrderView(const OrderRec& order) const {
  acme::Order view;
  view.url = order.url;
  view.status = order.status;
  view.authorizations = order.authorizations;
  view.finalize = order.finalize;
  if (order.status == "valid") view.certificate = order.certificate_url;
  view.error = order.error;
  return view;
}

core::Result<std::string> FakeAcmeClient::AccountThumbprint() {
  std::lock_guard<std::mutex> lock(mu_);
  Record(Method::kAccountThumbprint, "");
  if (auto injected = TakeInjection(Method::kAccountThumbprint)) return injected->error;
  return Thumbprint();
}

void FakeAcmeClient::SetNewOrderHook(std::function<void()> hook) {
  SetCallHook(Method::kNewOrder, std::move(hook));
}

void FakeAcmeClient::SetCallHook(Method method, std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  hooks_[method] = std::move(hook);
}

void FakeAcmeClient::RunHook(Method method) {
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = hooks_.find(method); it != hooks_.end()) hook = it->second;
  }
  if (hook) hook();
}

core::Result<std::optional<acme::RenewalInfo>> FakeAcmeClient::GetRenewalInfo(
    const std::string& cert_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Record(Method::kGetRenewalInfo, cert_id);
  auto injected = TakeInjection(Method::kGetRenewalInfo);
  if (injected) return injected->error;
  return renewal_info_;
}

core::Result<acme::Order> FakeAcmeClient::NewRenewalOrder(const std::vector<std::string>& names,
                                                          const std::string& replaces) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    replaces_.push_back(replaces);
  }
  return NewOrder(names);
}

core::Result<acme::Order> FakeAcmeClient::NewOrder(const std::vector<std::string>& names) {
  RunHook(Method::kNewOrder);
  std::lock_guard<std::mutex> lock(mu_);
  Record(Method::kNewOrder, "", names);
  auto injected = TakeInjection(Method::kNewOrder);
  if (injected && !injected->after_effect) return injected->error;
  if (names.empty()) {
    return ProblemError(core::ErrorCode::kInvalidArgument, "malformed", "no identifiers", 400);
  }
  const std::string id = std::to_string(next_id_++);
  OrderRec order;
  order.url = std::string(kBase) + "/order/" + id;
  order.finalize = order.url + "/finalize";
  order.names = names;
  for (const std::string& name : names) {
    const std::string aid = std::to_string(next_id_++);
    AuthzRec a;
    a.url = std::string(kBase) + "/authz/" + aid;
    a.name = name;
    a.dns.url = std::string(kBase) + "/chall/" + aid;
    a.dns.token = "token-" + aid + "-" + name;
    // Tokens are base64url in real life; keep ours in that alphabet too.
    std::replace(a.dns.token.begin(), a.dns.token.end(), '.', '_');
    std::replace(a.dns.token.begin(), a.dns.token.end(), '*', 'w');
    if (auto it = behaviors_.find(name); it != behaviors_.end()) a.behavior = it->second;
    if (a.behavior.already_valid) {
      a.status = "valid";
      a.dns.status = "valid";
      a.responded = true;
    }
    order.authorizations.push_back(a.url);
    challenge_authz_[a.dns.url] = a.url;
    authzs_[a.url] = std::move(a);
  }
  RefreshOrder(order);
  acme::Order view = OrderView(order);
  last_order_url_ = order.url;
  orders_[order.url] = std::move(order);
  if (injected) return injected->error;
  return view;
}

core::Result<acme::Order> FakeAcmeClient::GetOrder(const std::string& url) {
  std::lock_guard<std::mutex> lock(mu_);
  Record(Method::kGetOrder, url);
  auto injected = TakeInjection(Method::kGetOrder);
  if (injected && !injected->after_effect) return injected->error;
  auto it = orders_.find(url);
  if (it == orders_.end()) {
    return ProblemError(core::ErrorCode::kFailedPrecondition, "malformed", "no order " + url, 404);
  }
  OrderRec& order = it->second;
  RefreshOrder(order);
  if (order.status == "processing") {
    if (order.processing_left > 0) {
      --order.processing_left;
    } else {
      order.status = "valid";
    }
  }
  if (injected) return injected->error;
  return OrderView(order);
}

core::Result<acme::Authorization> FakeAcmeClient::GetAuthorization(const std::string& url) {
  RunHook(Method::kGetAuthorization);
  std::lock_guard<std::mutex> lock(mu_);
  Record(Method::kGetAuthorization, url);
  auto injected = TakeInjection(Method::kGetAuthorization);
  if (injected && !injected->after_effect) return injected->error;
  auto it = authzs_.find(url);
  if (it == authzs_.end()) {
    return ProblemError(core::ErrorCode::kFailedPrecondition, "malformed",
                        "no authorization " + url, 404);
  }
  AuthzRec& a = it->second;
  if (a.status == "pending" && a.responded) {
    if (a.pending_left > 0) {
      --a.pending_left;
    } else if (a.behavior.problem) {
      a.status = "invalid";
      a.dns.status = "invalid";
    } else {
      a.status = "valid";
      a.dns.status = "valid";
    }
  }
  if (injected) return injected->error;
  return AuthzView(a);
}

core::Result<acme::Challenge> FakeAcmeClient::RespondToChallenge(const std::string& url) {
  RunHook(Method::kRespondToChallenge);
  std::lock_guard<std::mutex> lock(mu_);
  Record(Method::kRespondToChallenge, url);
  auto injected = TakeInjection(Method::kRespondToChallenge);
  if (injected && !injected->after_effect) return injected->error;
  auto it = challenge_authz_.find(url);
  if (it == challenge_authz_.end()) {
    return ProblemError(core::ErrorCode::kFailedPrecondition, "malformed", "no challenge " + url,
                        404);
  }
  AuthzRec& a = authzs_.at(it->second);
  // A repeated response to a challenge no longer pending returns it unchanged (Boulder).
  if (!a.responded) {
    a.responded = true;
    a.pending_left = a.behavior.pending_polls;
    a.dns.status = "processing";
  }
  if (injected) return injected->error;
  return ChallengeView(a);
}

core::Status FakeAcmeClient::Issue(OrderRec& order, const std::string& csr_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(csr_der.data());
  ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(csr_der.size())));
  if (!req) {
    return ProblemError(core::ErrorCode::kInvalidArgument, "badCSR", "CSR is not DER", 400);
  }
  EVP_PKEY* subject_key = X509_REQ_get0_pubkey(req.get());
  if (subject_key == nullptr || X509_REQ_verify(req.get(), subject_key) != 1) {
    return ProblemError(core::ErrorCode::kInvalidArgument, "badCSR", "bad CSR signature", 400);
  }
  ExtStackPtr exts(X509_REQ_get_extensions(req.get()));
  X509_EXTENSION* san = nullptr;
  for (int i = 0; exts && i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts.get(), i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) == NID_subject_alt_name) san = ext;
  }
  std::vector<std::string> csr_names;
  if (san != nullptr) {
    NamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(san)));
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
      if (n->type != GEN_DNS) continue;
      csr_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                             static_cast<size_t>(ASN1_STRING_length(n->d.dNSName)));
    }
  }
  calls_.back().names = csr_names;
  // RFC 8555 §7.4: the CSR must name exactly the order's identifiers.
  std::set<std::string> want(order.names.begin(), order.names.end());
  std::set<std::string> got(csr_names.begin(), csr_names.end());
  if (want != got) {
    return ProblemError(core::ErrorCode::kInvalidArgument, "badCSR",
                        "CSR names differ from the order's identifiers", 400);
  }

  X509Ptr leaf(X509_new());
  Check(leaf != nullptr, "X509_new");
  X509_set_version(leaf.get(), X509_VERSION_3);
  SetSerial(leaf.get(), next_serial_++);
  Check(X509_set_subject_name(leaf.get(), X509_REQ_get_subject_name(req.get())) == 1, "subject");
  X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca_->intermediate.get()));
  core::TimePoint not_before = Now(clock_);
  SetTime(leaf.get(), not_before, true);
  SetTime(leaf.get(), not_before + validity_, false);
  Check(X509_set_pubkey(leaf.get(), leaf_for_another_key_ ? ca_->intermediate_key.get()
                                                           : subject_key) == 1,
        "leaf key");
  AddExtension(leaf.get(), ca_->intermediate.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(leaf.get(), ca_->intermediate.get(), NID_key_usage,
               "critical,digitalSignature,keyEncipherment");
  AddExtension(leaf.get(), ca_->intermediate.get(), NID_ext_key_usage, "serverAuth");
  // As every public CA's leaf: RFC 9773's certificate identifier is built from it.
  AddExtension(leaf.get(), ca_->intermediate.get(), NID_authority_key_identifier, "keyid:always");
  if (san != nullptr) Check(X509_add_ext(leaf.get(), san, -1) == 1, "copy SAN");
  Check(X509_sign(leaf.get(), ca_->intermediate_key.get(), EVP_sha256()) > 0, "sign leaf");

  std::string chain = ToPem(leaf.get()) + ca_->intermediate_pem;
  order.certificate_url = std::string(kBase) + "/cert/" + std::to_string(next_id_++);
  chains_[order.certificate_url] = chain;
  issued_.push_back(std::move(chain));
  return core::Ok();
}

core::Result<acme::Order> FakeAcmeClient::Finalize(const std::string& order_url,
                                                   const std::string& finalize_url,
                                                   const std::string& csr_der) {
  std::lock_guard<std::mutex> lock(mu_);
  Record(Method::kFinalize, order_url);
  auto injected = TakeInjection(Method::kFinalize);
  if (injected && !injected->after_effect) return injected->error;
  auto it = orders_.find(order_url);
  if (it == orders_.end() || it->second.finalize != finalize_url) {
    return ProblemError(core::ErrorCode::kFailedPrecondition, "malformed",
                        "no order to finalize at " + finalize_url, 404);
  }
  OrderRec& order = it->second;
  RefreshOrder(order);
  if (order.status != "ready") {
    return ProblemError(core::ErrorCode::kFailedPrecondition, "orderNotReady",
                        "order is " + order.status + ", not ready", 403);
  }
  if (auto status = Issue(order, csr_der); !status.ok()) return status.error();
  order.processing_left = processing_polls_;
  order.status = processing_polls_ > 0 ? "processing" : "valid";
  if (injected) return injected->error;
  return OrderView(order);
}

core::Result<std::string> FakeAcmeClient::DownloadCertificate(const std::string& url) {
  std::lock_guard<std::mutex> lock(mu_);
  Record(Method::kDownloadCertificate, url);
  if (auto injected = TakeInjection(Method::kDownloadCertificate)) return injected->error;
  auto it = chains_.find(url);
  if (it == chains_.end()) {
    return ProblemError(core::ErrorCode::kFailedPrecondition, "malformed", "no certificate " + url,
                        404);
  }
  return it->second;
}

core::Status FakeAcmeClient::RevokeCertificate(const std::string& certificate_der, int reason) {
  (void)reason;
  std::lock_guard<std::mutex> lock(mu_);
  Record(Method::kRevokeCertificate, "");
  auto injected = TakeInjection(Method::kRevokeCertificate);
  if (injected && !injected->after_effect) return injected->error;
  if (std::find(revoked_.begin(), revoked_.end(), certificate_der) != revoked_.end()) {
    return ProblemError(core::ErrorCode::kFailedPrecondition, "alreadyRevoked",
                        "Certificate already revoked", 400);
  }
  bool ours = false;
  for (const std::string& chain : issued_) {
    BioPtr bio(BIO_new_mem_buf(chain.data(), static_cast<int>(chain.size())));
    X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (leaf && ToDer(leaf.get()) == certificate_der) ours = true;
  }
  if (!ours) {
    return ProblemError(core::ErrorCode::kFailedPrecondition, "malformed",
                        "Certificate from an unrecognized issuer", 404);
  }
  revoked_.push_back(certificate_der);
  if (injected) return injected->error;
  return core::Ok();
}

std::vector<FakeAcmeClient::Call> FakeAcmeClient::Calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

size_t FakeAcmeClient::CallCount(Method method) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(std::count_if(calls_.begin(), calls_.end(),
                                           [&](const Call& c) { return c.method == method; }));
}

std::map<std::string, std::string> FakeAcmeClient::TokensOfLastOrder() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> tokens;
  auto it = orders_.find(last_order_url_);
  if (it == orders_.end()) return tokens;
  for (const std::string& url : it->second.authorizations) {
    const AuthzRec& a = authzs_.at(url);
    tokens[a.name] = a.dns.token;
  }
  return tokens;
}

size_t FakeAcmeClient::OrderCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return orders_.size();
}

std::string FakeAcmeClient::RootPem() const { return ca_->root_pem; }
std::string FakeAcmeClient::IntermediatePem() const { return ca_->intermediate_pem; }

std::vector<std::string> FakeAcmeClient::IssuedChains() const {
  std::lock_guard<std::mutex> lock(mu_);
  return issued_;
}

std::vector<std::string> FakeAcmeClient::RevokedCertificates() const {
  std::lock_guard<std::mutex> lock(mu_);
  return revoked_;
}

}  // namespace certadns::test
