// The one mapping from core::Error to an HTTP answer (STYLE.md 4.4): status by ErrorCode,
// body {"detail", "code"} with the error's stable reason as "code". A 5xx never carries the
// error's own text (it may hold an upstream's raw words): that is logged, and the client
// gets a stable sentence. Pure functions (the log aside); thread-safe.
#pragma once

#include <string>

#include "api/call.h"
#include "core/result.h"

namespace certadns::api {

/// The HTTP status for `error`.
int HttpStatus(const core::Error& error);
/// The API's "code" for `error`: its reason, or one derived from its ErrorCode.
std::string ApiCode(const core::Error& error);
/// The whole answer for `error`: status, {"detail", "code"}, and Retry-After on a 429/503
/// that knows when to come back.
Reply ErrorReply(const core::Error& error);

}  // namespace certadns::api
