// Result<T>, Error and ErrorCode: errors as values with canonical codes (cf. absl::Status,
// absl::StatusOr). Every fallible function below app/ returns a Result; exceptions from
// third-party libraries are caught at the adapter boundary and turned into an Error.
// Thread-compatible value types.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace certadns::core {

/// Canonical error codes. Prefer the most specific code; the API layer maps each to one
/// HTTP status in one place.
enum class ErrorCode {
  kInvalidArgument,     // The caller's input is malformed or violates a rule (HTTP 400).
  kNotFound,            // The thing does not exist, or is not the caller's (HTTP 404).
  kAlreadyExists,       // A unique thing already exists (HTTP 409).
  kPermissionDenied,    // The caller may not do this (plan, role) (HTTP 403).
  kUnauthenticated,     // No or bad credentials (HTTP 401).
  kFailedPrecondition,  // The system is not in a state that allows it (HTTP 409/400).
  kResourceExhausted,   // A limit or rate limit was hit; may carry retry_after (HTTP 429).
  kUnavailable,         // A transient failure talking to a peer; retrying may help (HTTP 503).
  kDeadlineExceeded,    // A wait ran out of time budget.
  kInternal,            // A bug or broken invariant (HTTP 500).
};

std::string_view ToString(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  /// With a stable `reason` (snake_case; the API's "code"), as core/errors.h's factories do.
  Error(ErrorCode code, std::string reason, std::string message)
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  /// Stable snake_case reason set by core/errors.h ("certificate_exists"); "" for errors
  /// that only carry a code. Tell errors apart by this, never by their message.
  const std::string& reason() const { return reason_; }
  /// The ACME problem type when the error came from the CA
  /// ("urn:ietf:params:acme:error:alreadyRevoked"); "" otherwise.
  const std::string& acme_problem() const { return acme_problem_; }
  Error& WithAcmeProblem(std::string type) {
    acme_problem_ = std::move(type);
    return *this;
  }
  /// Seconds the peer asked us to wait before retrying (Retry-After), if any.
  std::optional<long> retry_after_s() const { return retry_after_s_; }
  Error& WithRetryAfter(std::optional<long> seconds) {
    retry_after_s_ = seconds;
    return *this;
  }
  /// Returns a copy whose message is prefixed with `context: `.
  Error Wrap(std::string_view context) const {
    Error e = *this;
    e.message_ = std::string(context) + ": " + message_;
    return e;
  }

 private:
  ErrorCode code_;
  std::string message_;
  std::string reason_;
  std::string acme_problem_;
  std::optional<long> retry_after_s_;
};

inline Error InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Error AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
inline Error PermissionDenied(std::string m) { return {ErrorCode::kPermissionDenied, std::move(m)}; }
inline Error FailedPrecondition(std::string m) { return {ErrorCode::kFailedPrecondition, std::move(m)}; }
inline Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
inline Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

/// A value or an Error. Construct from either; check ok() before value().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(!ok()); return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;
inline Status Ok() { return {}; }

}  // namespace certadns::core

#define CERTADNS_CONCAT_INNER(a, b) a##b
#define CERTADNS_CONCAT(a, b) CERTADNS_CONCAT_INNER(a, b)

/// Returns the error of `expr` (a Result) from the enclosing function if it failed.
#define RETURN_IF_ERROR(expr)                                   \
  do {                                                          \
    auto certadns_status_ = (expr);                             \
    if (!certadns_status_.ok()) return certadns_status_.error(); \
  } while (0)

/// `ASSIGN_OR_RETURN(auto x, Foo());` binds the value of Foo() or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(CERTADNS_CONCAT(certadns_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.error();          \
  lhs = std::move(tmp).value()
