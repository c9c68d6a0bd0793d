// ParallelCalls: independent calls (the network calls an issuance step makes per name of a
// certificate, the reads of several DNS names) made at the same time instead of one after
// another, so three names cost the round trips of one. Up to `width` calls at once; the calling
// thread makes calls too, and helper threads live only for the step. An exception thrown
// by a call is caught here (it never leaves a thread) and becomes that call's kInternal
// error; a helper thread that cannot be started leaves its share to the others.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.h"

namespace certadns::core {

/// Calls at most this many of one batch's calls at once.
inline constexpr size_t kParallelCalls = 8;

/// Returns call(0), ..., call(n - 1) in order, made up to `width` at a time. `call` must be
/// safe to run concurrently for different indexes and returns a core::Result.
template <typename Call>
auto ParallelCalls(size_t n, size_t width, Call&& call) {
  using R = decltype(call(size_t{0}));
  std::vector<R> results(n, R(core::Internal("not called")));
  std::atomic<size_t> next{0};
  auto run = [&] {
    for (size_t i = next++; i < n; i = next++) {
      try {
        results[i] = call(i);
      } catch (const std::exception& e) {
        results[i] = R(core::Internal(std::string("unexpected exception: ") + e.what()));
      } catch (...) {
        results[i] = R(core::Internal("unexpected exception"));
      }
    }
  };
  {
    std::vector<std::jthread> helpers;
    for (size_t t = 1; t < std::min(n, width); ++t) {
      try {
        helpers.emplace_back(run);
      } catch (const std::system_error&) {
        break;  // no thread to spare: the ones running (and this one) take its share
      }
    }
    run();
  }  // joins the helpers
  return results;
}

}  // namespace certadns::core
