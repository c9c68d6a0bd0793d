// The malformed-request corpus (issue "Bad input and fuzzing"): tests/testdata/api/
// malformed_requests.txt and malformed_names.txt, plus generated variants (bad names in
// every field, wrong types, SAN counts and duplicates, large bodies under 1 MiB), sent to
// the real binary. Each must answer a 4xx with a JSON "detail", on a kept connection, and
// nothing in the database or in PowerDNS may change.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <sstream>

#include "tests/e2e/api/e2e_fixture.h"
#include "tests/support/test_data.h"

namespace certadns::test {
namespace {

using nlohmann::json;

struct CorpusCase {
  std::string origin;  // where it came from, for failure messages
  bool anonymous = false;
  std::string method;
  std::string path;
  std::string body;
};

// "\xNN" -> the byte NN; everything else as written.
std::string Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x' &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 3]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 2, 2)), nullptr, 16));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The lines of a corpus file without comments and blank lines.
std::vector<std::string> CorpusLines(std::string_view file) {
  auto text = ReadTestData(file);
  EXPECT_TRUE(text.ok()) << file;
  std::vector<std::string> lines;
  if (!text.ok()) return lines;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    lines.push_back(line);
  }
  return lines;
}

// A JSON string literal holding `raw` byte for byte (only '"' escaped), so invalid UTF-8
// and control bytes reach the server as they are, and JSON escapes written in `raw` stay.
std::string RawJsonString(const std::string& raw) {
  return "\"" + ReplaceAll(raw, "\"", "\\\"") + "\"";
}

class MalformedCorpusE2e : public ApiE2eTest {
 protected:
  // Both tenants' certificates and zones (through the API), and both zones' records in
  // PowerDNS (through its API), as one comparable text.
  std::string Snapshot(const TestUser& user, const TestUser& other,
                       const std::vector<std::string>& zones) {
    std::string out;
    for (const TestUser* u : {&user, &other}) {
      out += u->api.Get("/certificates").body + "\n" + u->api.Get("/zones").body + "\n";
    }
    for (const std::string& zone : zones) {
      http::Request request;
      request.url =
          env().pdns_api_url + "/api/v1/servers/" + env().pdns_server_id + "/zones/" + zone + ".";
      request.headers.push_back({"X-API-Key", env().pdns_api_key});
      auto response = http().Send(request);
      if (!response.ok()) {
        out += zone + ": " + response.error().message() + "\n";
        continue;
      }
      json document = json::parse(response->body, nullptr, false);
      json rrsets = document.is_object() ? document.value("rrsets", json::array()) : json();
      out += zone + ": " + std::to_string(response->status) + " " + rrsets.dump() + "\n";
    }
    return out;
  }
};

TEST_F(MalformedCorpusE2e, EveryMalformedRequestIsA4xxWithDetailAndChangesNothing) {
  TestUser user = NewUser("elite");
  TestUser other = NewUser("elite");
  TestZone zone = ImportZone(user, /*verified=*/true);
  TestZone other_zone = ImportZone(other, /*verified=*/true);
  ApiResponse mine =
      RequestCertificate(user.api, {{"zone_id", zone.id}, {"domain", "app." + zone.name}});
  ApiResponse theirs = RequestCertificate(
      other.api, {{"zone_id", other_zone.id}, {"domain", "app." + other_zone.name}});
  ASSERT_TRUE(HasStatus(mine, 202));
  ASSERT_TRUE(HasStatus(theirs, 202));
  const std::string cert_id = mine.json.value("id", "");
  const std::string other_cert_id = theirs.json.value("id", "");
  // Settled, so that no issuance step changes PowerDNS or the store while the corpus runs.
  WaitSettled(user.api, cert_id);
  WaitSettled(other.api, other_cert_id);

  const std::vector<std::pair<std::string, std::string>> placeholders = {
      {"{other_zone_id}", other_zone.id},
      {"{other_zone}", other_zone.name},
      {"{other_cert_id}", other_cert_id},
      {"{zone_id}", zone.id},
      {"{zone}", zone.name},
      {"{cert_id}", cert_id}};
  auto fill = [&](std::string text) {
    for (const auto& [from, to] : placeholders) text = ReplaceAll(text, from, to);
    return Unescape(text);
  };

  std::vector<CorpusCase> cases;
  // 1. The request file.
  for (const std::string& line : CorpusLines("api/malformed_requests.txt")) {
    CorpusCase c{"malformed_requests.txt: " + line};
    std::string_view rest = line;
    if (rest.rfind("anon:", 0) == 0) {
      c.anonymous = true;
      rest.remove_prefix(5);
    }
    size_t bar = rest.find(" | ");
    std::string head(rest.substr(0, bar));
    std::string body = bar == std::string_view::npos ? "" : std::string(rest.substr(bar + 3));
    size_t space = head.find(' ');
    c.method = head.substr(0, space);
    c.path = fill(head.substr(space + 1));
    c.body = body == "-" ? "" : fill(body);
    cases.push_back(std::move(c));
  }

  // 2. Every bad name as the domain, as a SAN and as a zone to import.
  std::vector<std::string> names = CorpusLines("api/malformed_names.txt");
  const std::string z = zone.name;
  auto body_with = [&](const std::string& fields) {
    return "{\"zone_id\": \"" + zone.id + "\", " + fields + "}";
  };
  for (const std::string& line : names) {
    const std::string name = RawJsonString(fill(line));
    cases.push_back(
        {"domain " + line, false, "POST", "/certificates", body_with("\"domain\": " + name)});
    cases.push_back(
        {"SAN " + line, false, "POST", "/certificates",
         body_with("\"domain\": \"app." + z + "\", \"sans\": [\"www." + z + "\", " + name + "]")});
    cases.push_back({"zone " + line, false, "POST", "/zones", "{\"name\": " + name + "}"});
  }
  // Homoglyphs of the zone (Cyrillic "е" for "e"): a valid IDN, but not under the zone.
  const std::string homoglyph = ReplaceAll(z, "e", "\xD0\xB5");
  for (const std::string& name : {"app." + homoglyph, homoglyph, "*." + homoglyph}) {
    cases.push_back({"homoglyph domain " + name, false, "POST", "/certificates",
                     body_with("\"domain\": " + RawJsonString(name))});
    cases.push_back(
        {"homoglyph SAN " + name, false, "POST", "/certificates",
         body_with("\"domain\": \"app." + z + "\", \"sans\": [" + RawJsonString(name) + "]")});
  }

  // 3. Wrong types in every field.
  const std::vector<std::string> not_strings = {
      "1", "1.5", "true", "{}", "[]", "[\"app." + z + "\"]", "{\"value\": \"app." + z + "\"}"};
  const std::vector<std::string> not_lists = {
      "\"www." + z + "\"",          "1",   "true",   "{}",
      "{\"0\": \"www." + z + "\"}", "[1]", "[null]", "[true]",
      "[[\"www." + z + "\"]]",      "[{}]"};
  const std::vector<std::string> not_bools = {"\"true\"", "\"false\"", "1",  "0",
                                              "\"\"",     "{}",        "[]", "[true]"};
  for (const std::string& v : not_strings) {
    cases.push_back({"zone_id " + v, false, "POST", "/certificates",
                     "{\"zone_id\": " + v + ", \"domain\": \"app." + z + "\"}"});
    cases.push_back({"domain " + v, false, "POST", "/certificates", body_with("\"domain\": " + v)});
    cases.push_back({"zone name " + v, false, "POST", "/zones", "{\"name\": " + v + "}"});
    cases.push_back({"login email " + v, true, "POST", "/auth/login",
                     "{\"email\": " + v + ", \"password\": \"x\"}"});
    cases.push_back({"login password " + v, true, "POST", "/auth/login",
                     "{\"email\": \"a@example.test\", \"password\": " + v + "}"});
  }
  for (const std::string& field : {"zone_id", "domain"}) {
    cases.push_back({std::string(field) + " null", false, "POST", "/certificates",
                     std::string(field) == "zone_id"
                         ? "{\"zone_id\": null, \"domain\": \"app." + z + "\"}"
                         : body_with("\"domain\": null")});
  }
  for (const std::string& v : not_lists) {
    cases.push_back({"sans " + v, false, "POST", "/certificates",
                     body_with("\"domain\": \"app." + z + "\", \"sans\": " + v)});
  }
  for (const std::string& v : not_bools) {
    for (const std::string& field : {"wildcard", "auto_renew"}) {
      cases.push_back({field + " " + v, false, "POST", "/certificates",
                       body_with("\"domain\": \"app." + z + "\", \"" + field + "\": " + v)});
    }
    cases.push_back({"enabled " + v, false, "PUT", "/certificates/" + cert_id + "/auto-renew",
                     "{\"enabled\": " + v + "}"});
  }
  cases.push_back({"enabled null", false, "PUT", "/certificates/" + cert_id + "/auto-renew",
                   "{\"enabled\": null}"});

  // 4. Too many names, and names repeated by case or trailing dot (counted as sent).
  auto sans_body = [&](const std::vector<std::string>& sans, const std::string& domain) {
    return body_with("\"domain\": \"" + domain + "\", \"sans\": " + json(sans).dump());
  };
  std::vector<std::string> hundred, hundred_one, repeated;
  for (int i = 0; i < 100; ++i) hundred.push_back("s" + std::to_string(i) + "." + z);
  hundred_one = hundred;
  hundred_one.push_back("s100." + z);
  for (int i = 0; i < 50; ++i) {
    repeated.push_back("r" + std::to_string(i) + "." + z);
    repeated.push_back("R" + std::to_string(i) + "." + z + ".");
  }
  repeated.push_back("r0." + z);
  cases.push_back({"101 SANs", false, "POST", "/certificates", sans_body(hundred_one, "app." + z)});
  cases.push_back(
      {"the domain and 100 SANs", false, "POST", "/certificates", sans_body(hundred, "app." + z)});
  cases.push_back({"101 SANs repeating 50 names by case and trailing dot", false, "POST",
                   "/certificates", sans_body(repeated, "app." + z)});
  std::vector<std::string> thousand;
  for (int i = 0; i < 1000; ++i) thousand.push_back("t" + std::to_string(i) + "." + z);
  cases.push_back({"1000 SANs", false, "POST", "/certificates", sans_body(thousand, "app." + z)});
  cases.push_back({"a SAN a wildcard of the request covers, by case", false, "POST",
                   "/certificates", sans_body({"APP." + z, "app." + z + "."}, "*." + z)});
  cases.push_back({"the wildcard as a SAN of a name it covers", false, "POST", "/certificates",
                   sans_body({"*." + z, "WWW." + z + "."}, "app." + z)});

  // 5. Large bodies, all under 1 MiB.
  const size_t big = 900 * 1024;
  cases.push_back({"a 900 KiB domain", false, "POST", "/certificates",
                   body_with("\"domain\": \"" + std::string(big, 'a') + "." + z + "\"")});
  cases.push_back({"a 900 KiB SAN", false, "POST", "/certificates",
                   sans_body({std::string(big, 'a')}, "app." + z)});
  cases.push_back({"200,000 one-letter SANs", false, "POST", "/certificates",
                   sans_body(std::vector<std::string>(200000, "a"), "app." + z)});
  cases.push_back(
      {"500,000 open brackets", false, "POST", "/certificates", std::string(500000, '[')});
  std::string nested;
  for (int i = 0; i < 100000; ++i) nested += "{\"a\":";
  nested += "1" + std::string(100000, '}');
  cases.push_back({"100,000 nested objects", false, "POST", "/certificates", nested});
  cases.push_back({"900 KiB of spaces, then a word", false, "POST", "/certificates",
                   std::string(big, ' ') + "x"});
  cases.push_back({"an unterminated 900 KiB string", false, "POST", "/certificates",
                   "{\"domain\": \"" + std::string(big, 'a')});
  cases.push_back({"a 900 KiB key, no domain", false, "POST", "/certificates",
                   "{\"zone_id\": \"" + zone.id + "\", \"" + std::string(big, 'k') + "\": 1}"});
  cases.push_back({"a 900 KiB zone name", false, "POST", "/zones",
                   "{\"name\": \"" + std::string(big, 'z') + ".test\"}"});

  ASSERT_GE(cases.size(), 300u);
  const std::string before = Snapshot(user, other, {zone.name, other_zone.name});
  // The snapshot really holds both zones' records.
  EXPECT_NE(before.find(zone.name + ": 200 [{"), std::string::npos) << before;
  EXPECT_NE(before.find(other_zone.name + ": 200 [{"), std::string::npos) << before;
  ApiClient anonymous = Anonymous();
  int answered = 0;
  for (const CorpusCase& c : cases) {
    SCOPED_TRACE(c.origin.substr(0, 200));
    const ApiClient& api = c.anonymous ? anonymous : user.api;
    ApiResponse r = api.Send(c.method, c.path, c.body);
    std::string shown = r.Describe().substr(0, 400);
    EXPECT_NE(r.status, 0) << "no answer (dropped connection?): " << shown;
    EXPECT_GE(r.status, 400) << shown;
    EXPECT_LT(r.status, 500) << shown;
    EXPECT_TRUE(r.json.is_object() && r.json.contains("detail") && r.json["detail"].is_string())
        << "no JSON detail: " << shown;
    answered += r.status >= 400 && r.status < 500 ? 1 : 0;
  }
  EXPECT_EQ(answered, static_cast<int>(cases.size()));
  EXPECT_EQ(Snapshot(user, other, {zone.name, other_zone.name}), before);
  // The service still works.
  EXPECT_TRUE(
      HasStatus(RequestCertificate(user.api, {{"zone_id", zone.id}, {"domain", "new." + z}}), 202));
  std::printf("malformed corpus: %zu requests, %d answered 4xx with a detail\n", cases.size(),
              answered);
}

}  // namespace
}  // namespace certadns::test
