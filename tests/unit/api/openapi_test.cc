// docs/api/openapi.json against the route table (api/routes.h), in both directions: a route
// added to routes.cc without being documented, or an operation documented that no route
// serves, fails here. Also: security per route, $refs resolve, the spec's Certificate shape,
// and 2xx/401 responses, and the 429 (with Retry-After) of every operation.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/routes.h"

#ifndef CERTADNS_OPENAPI_FILE
#error "CERTADNS_OPENAPI_FILE must name docs/api/openapi.json"
#endif

namespace certadns::api {

extern const char* const kOpenApiDocument;  // embedded from the same file at configure time

namespace {

using nlohmann::json;

const std::set<std::string> kHttpMethods = {"get", "put", "post", "delete",
                                            "options", "head", "patch", "trace"};

const json& Document() {
  static const json document = [] {
    std::ifstream in(CERTADNS_OPENAPI_FILE);
    EXPECT_TRUE(in) << "cannot open " << CERTADNS_OPENAPI_FILE;
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  }();
  return document;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::string Name(const std::string& method, const std::string& path) {
  std::string upper = method;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return upper + " " + path;
}

// Every (method, path, operation) in the document.
struct Operation {
  std::string method;  // lower case, as in the document
  std::string path;
  const json* op;
};

std::vector<Operation> Operations() {
  std::vector<Operation> out;
  const json& paths = Document().at("paths");
  for (auto it = paths.begin(); it != paths.end(); ++it) {
    for (auto m = it.value().begin(); m != it.value().end(); ++m) {
      if (kHttpMethods.count(m.key()) != 0) out.push_back({m.key(), it.key(), &m.value()});
    }
  }
  return out;
}

const Route* FindRoute(const std::string& method, const std::string& path) {
  for (const Route& route : Routes()) {
    if (Lower(route.method) == method && route.path == path) return &route;
  }
  return nullptr;
}

// Follows a local "$ref" (one level at a time) to what it names.
const json& Resolve(const json& value) {
  const json* current = &value;
  for (int depth = 0; depth < 16 && current->is_object() && current->contains("$ref"); ++depth) {
    const std::string ref = current->at("$ref").get<std::string>();
    if (ref.rfind("#/", 0) != 0) break;
    current = &Document().at(json::json_pointer(ref.substr(1)));
  }
  return *current;
}

void CollectRefs(const json& value, const std::string& where,
                 std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it.key() == "$ref" && it.value().is_string()) {
        out.emplace_back(where, it.value().get<std::string>());
      } else {
        CollectRefs(it.value(), where + "/" + it.key(), out);
      }
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      CollectRefs(value[i], where + "/" + std::to_string(i), out);
    }
  }
}

TEST(OpenApiTest, IsAnOpenApi303DocumentServedUnderApiV1) {
  const json& doc = Document();
  ASSERT_TRUE(doc.is_object()) << CERTADNS_OPENAPI_FILE << " is not a JSON object";
  EXPECT_EQ(doc.value("openapi", ""), "3.0.3");
  ASSERT_TRUE(doc.contains("info"));
  EXPECT_TRUE(doc["info"].contains("title"));
  EXPECT_TRUE(doc["info"].contains("version"));
  ASSERT_TRUE(doc.contains("servers") && doc["servers"].is_array() && !doc["servers"].empty());
  EXPECT_EQ(doc["servers"][0].value("url", ""), "/api/v1");
  ASSERT_TRUE(doc.contains("paths") && doc["paths"].is_object());
}

TEST(OpenApiTest, EmbeddedDocumentIsTheFile) {
  // GET /openapi.json serves kOpenApiDocument; it must be this file (CMake re-embeds it).
  json embedded = json::parse(kOpenApiDocument, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(embedded.is_discarded()) << "the embedded OpenAPI document is not JSON";
  EXPECT_EQ(embedded, Document()) << "re-run CMake: the embedded document is stale";
}

TEST(OpenApiTest, EveryRouteIsDocumented) {
  ASSERT_FALSE(Routes().empty());
  const json& paths = Document().at("paths");
  for (const Route& route : Routes()) {
    const std::string path(route.path);
    const std::string method = Lower(route.method);
    EXPECT_TRUE(paths.contains(path) && paths[path].contains(method))
        << Name(method, path) << " is in routes.cc but not in docs/api/openapi.json";
  }
}

TEST(OpenApiTest, EveryDocumentedOperationIsARoute) {
  auto operations = Operations();
  EXPECT_EQ(operations.size(), Routes().size());
  for (const Operation& o : operations) {
    EXPECT_NE(FindRoute(o.method, o.path), nullptr)
        << Name(o.method, o.path) << " is documented but routes.cc has no such route";
  }
}

TEST(OpenApiTest, OperationIdsArePresentAndUnique) {
  std::set<std::string> seen;
  for (const Operation& o : Operations()) {
    ASSERT_TRUE(o.op->contains("operationId")) << Name(o.method, o.path);
    std::string id = o.op->at("operationId").get<std::string>();
    EXPECT_TRUE(seen.insert(id).second) << "duplicate operationId " << id;
  }
}

TEST(OpenApiTest, SecurityMatchesTheRouteTable) {
  const json& doc = Document();
  const json& schemes = doc.at("components").at("securitySchemes");
  ASSERT_TRUE(schemes.contains("bearerAuth"));
  EXPECT_EQ(schemes["bearerAuth"].value("type", ""), "http");
  EXPECT_EQ(schemes["bearerAuth"].value("scheme", ""), "bearer");
  ASSERT_TRUE(schemes.contains("cookieAuth"));
  EXPECT_EQ(schemes["cookieAuth"].value("type", ""), "apiKey");
  EXPECT_EQ(schemes["cookieAuth"].value("in", ""), "cookie");
  EXPECT_EQ(schemes["cookieAuth"].value("name", ""), "certadns_session");
  EXPECT_NE(schemes["cookieAuth"].value("description", "").find("X-CSRF-Token"),
            std::string::npos);

  for (const Operation& o : Operations()) {
    const Route* route = FindRoute(o.method, o.path);
    if (route == nullptr) continue;  // reported by EveryDocumentedOperationIsARoute
    const std::string name = Name(o.method, o.path);
    if (!route->authenticated) {
      // A public operation must say so itself, overriding the document's default.
      ASSERT_TRUE(o.op->contains("security")) << name << " is public: declare \"security\": []";
      EXPECT_EQ(o.op->at("security"), json::array()) << name << " is public";
      continue;
    }
    const json& security = o.op->contains("security") ? o.op->at("security")
                                                      : doc.value("security", json::array());
    ASSERT_TRUE(security.is_array() && !security.empty()) << name << " needs a caller";
    for (const json& requirement : security) {
      ASSERT_TRUE(requirement.is_object() && !requirement.empty())
          << name << ": an empty requirement would make it public";
      for (auto it = requirement.begin(); it != requirement.end(); ++it) {
        EXPECT_TRUE(schemes.contains(it.key())) << name << ": unknown scheme " << it.key();
      }
    }
  }
}

TEST(OpenApiTest, EveryRefResolves) {
  std::vector<std::pair<std::string, std::string>> refs;
  CollectRefs(Document(), "", refs);
  EXPECT_FALSE(refs.empty());
  for (const auto& [where, ref] : refs) {
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << where << ": only local $refs, got " << ref;
    EXPECT_TRUE(Document().contains(json::json_pointer(ref.substr(1))))
        << where << ": $ref " << ref << " does not resolve";
  }
}

TEST(OpenApiTest, PathParametersAreDeclared) {
  for (const Operation& o : Operations()) {
    std::set<std::string> declared;
    for (const json* list : {&Document().at("paths").at(o.path), o.op}) {
      if (!list->contains("parameters")) continue;
      for (const json& p : list->at("parameters")) {
        const json& param = Resolve(p);
        if (param.value("in", "") != "path") continue;
        EXPECT_TRUE(param.value("required", false)) << Name(o.method, o.path);
        declared.insert(param.value("name", ""));
      }
    }
    std::set<std::string> in_path;
    for (size_t open = o.path.find('{'); open != std::string::npos;
         open = o.path.find('{', open + 1)) {
      in_path.insert(o.path.substr(open + 1, o.path.find('}', open) - open - 1));
    }
    EXPECT_EQ(declared, in_path) << Name(o.method, o.path);
  }
}

TEST(OpenApiTest, DeleteTakesRevokeQuery) {
  const json::json_pointer where("/paths/~1certificates~1{id}/delete");
  ASSERT_TRUE(Document().contains(where));
  const json& op = Document().at(where);
  bool found = false;
  for (const json& p : op.value("parameters", json::array())) {
    const json& param = Resolve(p);
    if (param.value("name", "") == "revoke" && param.value("in", "") == "query") {
      found = true;
      EXPECT_EQ(param.value(json::json_pointer("/schema/type"), ""), "boolean");
    }
  }
  EXPECT_TRUE(found);
}

TEST(OpenApiTest, CertificateSchemaIsExactlyTheSpecsFields) {
  const json& certificate = Document().at("components").at("schemas").at("Certificate");
  std::set<std::string> properties;
  for (const auto& [key, value] : certificate.at("properties").items()) properties.insert(key);
  const std::set<std::string> spec = {"id",        "domain",     "sans",
                                      "is_wildcard", "auto_renew", "status",
                                      "issued_at", "expires_at", "next_renewal_at"};
  EXPECT_EQ(properties, spec);
  EXPECT_EQ(certificate.at("properties").at("status").at("enum"),
            json::array({"pending", "validating", "issued", "failed", "expired", "revoked"}));
  for (const char* time : {"issued_at", "expires_at", "next_renewal_at"}) {
    ASSERT_TRUE(certificate["properties"].contains(time)) << time;
    const json& field = certificate["properties"].at(time);
    EXPECT_EQ(field.value("format", ""), "date-time") << time;
    EXPECT_TRUE(field.value("nullable", false)) << time;
  }
}

TEST(OpenApiTest, EveryOperationHasA2xxAndAuthenticatedOnesA401) {
  for (const Operation& o : Operations()) {
    const std::string name = Name(o.method, o.path);
    ASSERT_TRUE(o.op->contains("responses")) << name;
    const json& responses = o.op->at("responses");
    bool success = false;
    for (auto it = responses.begin(); it != responses.end(); ++it) {
      if (it.key().size() == 3 && it.key()[0] == '2') success = true;
    }
    EXPECT_TRUE(success) << name << " has no 2xx response";
    const Route* route = FindRoute(o.method, o.path);
    if (route != nullptr && route->authenticated) {
      EXPECT_TRUE(responses.contains("401")) << name << " needs a 401 response";
    }
  }
}

TEST(OpenApiTest, ErrorsAreTheErrorSchema) {
  const json& error = Document().at("components").at("schemas").at("Error");
  EXPECT_EQ(error.at("required"), json::array({"detail", "code"}));
  for (const Operation& o : Operations()) {
    for (auto it = o.op->at("responses").begin(); it != o.op->at("responses").end(); ++it) {
      if (it.key()[0] != '4' && it.key()[0] != '5') continue;
      const json& response = Resolve(it.value());
      EXPECT_EQ(response.value(json::json_pointer("/content/application~1json/schema/$ref"), ""),
                "#/components/schemas/Error")
          << Name(o.method, o.path) << " " << it.key();
    }
  }
}

TEST(OpenApiTest, EveryOperationDocumentsItsRateLimitWithRetryAfter) {
  for (const Operation& o : Operations()) {
    const json& responses = o.op->at("responses");
    ASSERT_TRUE(responses.contains("429")) << Name(o.method, o.path) << " needs a 429";
    const json& limited = Resolve(responses.at("429"));
    EXPECT_TRUE(limited.contains(json::json_pointer("/headers/Retry-After")))
        << Name(o.method, o.path);
  }
}

}  // namespace
}  // namespace certadns::api
