#pragma once
// Minimal deterministic parallelism: tasks are indexed, each writes only its
// own output slot, so results are identical at any thread count.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace tracer {

/// Runs body(i) for i in [0, n) on up to n_threads threads (0 = hardware
/// concurrency). The first exception thrown by any task is rethrown here after
/// all threads have stopped.
template <typename Body>
void parallel_for(std::size_t n, std::size_t n_threads, Body&& body) {
  if (n_threads == 0) n_threads = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  n_threads = std::min(n_threads, n);
  if (n_threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        body(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(n);  // stop handing out work
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(n_threads - 1);
  for (std::size_t t = 1; t < n_threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

/// Number of threads to use for a request of n (0 = all hardware threads).
inline std::size_t resolve_threads(std::size_t requested) {
  return requested == 0 ? std::max<std::size_t>(1, std::thread::hardware_concurrency()) : requested;
}

}  // namespace tracer
