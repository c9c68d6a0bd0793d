// GET /api/v1/openapi.json: the OpenAPI 3 document of this API, embedded from
// docs/api/openapi.json at build time.
#include <nlohmann/json.hpp>

#include "api/routes.h"

namespace certadns::api {

extern const char* const kOpenApiDocument;

core::Result<Reply> HandleOpenApiGet(Services&, const Call&) {
  static const nlohmann::json document = nlohmann::json::parse(kOpenApiDocument);
  return Reply{200, document};
}

}  // namespace certadns::api
