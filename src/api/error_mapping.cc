#include "api/error_mapping.h"

#include <spdlog/spdlog.h>

#include "core/errors.h"
#include "core/text.h"

namespace certadns::api {

int HttpStatus(const core::Error& error) {
  switch (error.code()) {
    case core::ErrorCode::kInvalidArgument:
      return 400;
    case core::ErrorCode::kUnauthenticated:
      return 401;
    case core::ErrorCode::kPermissionDenied:
      return 403;  // plan limits and plan features
    case core::ErrorCode::kNotFound:
      return 404;  // also another tenant's thing
    case core::ErrorCode::kAlreadyExists:
    case core::ErrorCode::kFailedPrecondition:
      return 409;  // the spec's "already exists", and "not in a state that allows it"
    case core::ErrorCode::kResourceExhausted:
      return 429;
    case core::ErrorCode::kUnavailable:
      return 503;
    case core::ErrorCode::kDeadlineExceeded:
      return 504;
    case core::ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string ApiCode(const core::Error& error) {
  if (!error.reason().empty()) return error.reason();
  return std::string(core::errors::GenericReason(error.code()));
}

Reply ErrorReply(const core::Error& error) {
  Reply reply;
  reply.status = HttpStatus(error);
  std::string detail;
  if (reply.status >= 500) {
    spdlog::warn("API error {} ({}): {}", reply.status, ApiCode(error),
                 core::SafeText(error.message()));
    detail = std::string(core::errors::ServerErrorDetail(error));
  } else {
    // 4xx details may echo the client's own input: keep them valid UTF-8 and short.
    detail = core::SafeText(error.message(), 2048);
  }
  reply.body = {{"detail", detail}, {"code", ApiCode(error)}};
  if ((reply.status == 429 || reply.status == 503) && error.retry_after_s()) {
    reply.headers.push_back({"Retry-After", std::to_string(*error.retry_after_s())});
  }
  return reply;
}

}  // namespace certadns::api
