// CurlHttpClient: libcurl easy handles pooled behind a mutex. A handle is never
// curl_easy_reset(), so its connection cache (keep-alive connections, TLS sessions) stays
// warm between requests; every per-request option is therefore set again on each Send.
#include "http/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certadns::http {
namespace {

// Idle handles kept for reuse; more may exist while many threads send at once.
constexpr size_t kMaxIdleHandles = 16;

CURLcode GlobalInitOnce() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

// RFC 9110 §5.6.2 token characters, so a method cannot smuggle a request line.
bool IsToken(std::string_view s) {
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kExtra.find(c) != kExtra.npos;
  });
}

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != s.npos; }

// The URL without its query, for error messages.
std::string_view UrlForLog(std::string_view url) { return url.substr(0, url.find('?')); }

struct Transfer {
  std::string body;
  std::vector<Header> headers;
};

size_t WriteBody(char* data, size_t size, size_t nmemb, void* user) {
  static_cast<Transfer*>(user)->body.append(data, size * nmemb);
  return size * nmemb;
}

size_t CollectHeader(char* data, size_t size, size_t nitems, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * nitems;
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // Each response (an interim 1xx, then the final one) starts with a status line: keep
    // only the headers of the last.
    transfer->headers.clear();
    return n;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    // RFC 9112 §5.2 obsolete line folding: a continuation of the previous field.
    if (!transfer->headers.empty()) {
      std::string& value = transfer->headers.back().value;
      value += ' ';
      value += Trim(line);
    }
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // the empty line ending the block
  transfer->headers.push_back(
      {std::string(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1)))});
  return n;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// One easy handle with the error buffer libcurl writes into for its whole life.
struct PooledHandle {
  CURL* curl = nullptr;
  std::array<char, CURL_ERROR_SIZE> error{};

  PooledHandle() = default;
  PooledHandle(const PooledHandle&) = delete;
  PooledHandle& operator=(const PooledHandle&) = delete;
  ~PooledHandle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

}  // namespace

struct CurlHttpClient::Pool {
  std::mutex mu;
  std::vector<std::unique_ptr<PooledHandle>> idle;  // guarded by mu
};

namespace {

// Options that stay the same for every request made with this handle.
core::Status ConfigureHandle(PooledHandle& handle, const CurlHttpClientOptions& options) {
  CURL* curl = handle.curl;
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(curl, option, value);
  };
  set(CURLOPT_ERRORBUFFER, handle.error.data());
  set(CURLOPT_NOSIGNAL, 1L);  // required when several threads use libcurl
  set(CURLOPT_TCP_NODELAY, 1L);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // An empty proxy disables the *_proxy environment variables: library code takes its
  // configuration from CurlHttpClientOptions only.
  set(CURLOPT_PROXY, "");
  set(CURLOPT_USERAGENT, options.user_agent.c_str());
  if (!options.ca_bundle.empty()) set(CURLOPT_CAINFO, options.ca_bundle.c_str());
  // "host!": an address, never looked up as an interface name.
  const std::string interface = "host!" + options.local_address;
  if (!options.local_address.empty()) set(CURLOPT_INTERFACE, interface.c_str());
  set(CURLOPT_WRITEFUNCTION, &WriteBody);
  set(CURLOPT_HEADERFUNCTION, &CollectHeader);
  if (rc != CURLE_OK) {
    return core::Internal(std::string("http: configuring curl handle: ") + curl_easy_strerror(rc));
  }
  return core::Ok();
}

}  // namespace

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  GlobalInitOnce();
}

CurlHttpClient::~CurlHttpClient() = default;

core::Result<Response> CurlHttpClient::Send(const Request& request) {
  if (!IsToken(request.method)) {
    return core::InvalidArgument("http: invalid method '" + request.method + "'");
  }
  if (HasLineBreak(request.url)) return core::InvalidArgument("http: line break in URL");
  for (const Header& header : request.headers) {
    if (!IsToken(header.name) || HasLineBreak(header.value)) {
      return core::InvalidArgument("http: invalid header '" + header.name + "'");
    }
  }
  if (CURLcode rc = GlobalInitOnce(); rc != CURLE_OK) {
    return core::Internal(std::string("http: curl_global_init: ") + curl_easy_strerror(rc));
  }

  // Take an idle handle, or make a new one.
  std::unique_ptr<PooledHandle> handle;
  {
    std::lock_guard<std::mutex> lock(pool_->mu);
    if (!pool_->idle.empty()) {
      handle = std::move(pool_->idle.back());
      pool_->idle.pop_back();
    }
  }
  if (handle == nullptr) {
    handle = std::make_unique<PooledHandle>();
    handle->curl = curl_easy_init();
    if (handle->curl == nullptr) return core::Internal("http: curl_easy_init failed");
    RETURN_IF_ERROR(ConfigureHandle(*handle, options_));
  }
  CURL* curl = handle->curl;

  SlistPtr header_list;
  auto append_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(header_list.get(), line.c_str());
    if (next == nullptr) return false;
    (void)header_list.release();  // `next` is the same list, extended
    header_list.reset(next);
    return true;
  };
  bool has_expect = false;
  for (const Header& header : request.headers) {
    // "Name:" would tell curl to drop the header; "Name;" sends it with an empty value.
    const std::string line =
        header.value.empty() ? header.name + ";" : header.name + ": " + header.value;
    if (!append_header(line)) return core::Internal("http: out of memory");
    std::string lower = header.name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    has_expect = has_expect || lower == "expect";
  }

  const std::string& method = request.method;
  const bool is_get = method == "GET";
  const bool is_head = method == "HEAD";
  const bool is_post = method == "POST";
  const bool send_body = !is_get && !is_head &&
                         (is_post || method == "PUT" || method == "PATCH" || !request.body.empty());
  // Without this curl waits for "100 Continue" before sending larger bodies.
  if (send_body && !has_expect && !append_header("Expect:")) {
    return core::Internal("http: out of memory");
  }

  Transfer transfer;
  handle->error[0] = '\0';
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(curl, option, value);
  };
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
  set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  set(CURLOPT_HTTPHEADER, header_list.get());
  // Undo the previous request's method: HTTPGET clears NOBODY and POST.
  set(CURLOPT_HTTPGET, 1L);
  set(CURLOPT_CUSTOMREQUEST, static_cast<const char*>(nullptr));
  if (is_head) set(CURLOPT_NOBODY, 1L);
  if (send_body) {
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    set(CURLOPT_POSTFIELDS, request.body.c_str());
  }
  if (!is_get && !is_head && !is_post) set(CURLOPT_CUSTOMREQUEST, method.c_str());

  if (rc == CURLE_OK) rc = curl_easy_perform(curl);

  Response response;
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  // The handle outlives these buffers; drop the pointers before it goes back to the pool.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, static_cast<void*>(nullptr));
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, static_cast<void*>(nullptr));
  std::string reason = handle->error[0] != '\0' ? handle->error.data() : curl_easy_strerror(rc);

  {
    std::lock_guard<std::mutex> lock(pool_->mu);
    if (pool_->idle.size() < kMaxIdleHandles) pool_->idle.push_back(std::move(handle));
  }

  if (rc != CURLE_OK) {
    std::string message =
        "http: " + method + " " + std::string(UrlForLog(request.url)) + ": " + reason;
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
      return core::InvalidArgument(std::move(message));
    }
    return core::Unavailable(std::move(message));
  }
  response.headers = std::move(transfer.headers);
  response.body = std::move(transfer.body);
  return response;
}

}  // namespace certadns::http
