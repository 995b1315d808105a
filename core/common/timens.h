// Times as signed 64-bit nanoseconds since the epoch, the unit of every
// mtime in Ferry. They cover 1677-09-21 to 2262-04-11; a file system may
// hold times outside that (a broken clock, a camera with a bad battery).
// Such times saturate at the ends of the range instead of wrapping around
// (a wrapped year 2500 became 1715, its copy 1901): both sides of a sync
// then clamp the same way, so a copy made with the clamped time compares
// equal to its source on the next run.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <limits>

namespace ferry {

inline constexpr int64_t kNsPerSecond = 1000000000;
inline constexpr int64_t kMaxTimeNs = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kMinTimeNs = std::numeric_limits<int64_t>::min();

// seconds * 1e9, saturating.
constexpr int64_t secondsToNs(int64_t seconds)
{
    int64_t ns = 0;
    if (__builtin_mul_overflow(seconds, kNsPerSecond, &ns))
        return seconds < 0 ? kMinTimeNs : kMaxTimeNs;
    return ns;
}

// A struct timespec's (tv_sec, tv_nsec) as nanoseconds, saturating.
constexpr int64_t timespecToNs(int64_t seconds, int64_t nanoseconds)
{
    int64_t ns = 0;
    if (__builtin_mul_overflow(seconds, kNsPerSecond, &ns) || __builtin_add_overflow(ns, nanoseconds, &ns))
        return seconds < 0 ? kMinTimeNs : kMaxTimeNs;
    return ns;
}

// a - b, saturating (ages and differences of clamped times).
constexpr int64_t saturatingSub(int64_t a, int64_t b)
{
    int64_t d = 0;
    if (__builtin_sub_overflow(a, b, &d))
        return b < 0 ? kMaxTimeNs : kMinTimeNs;
    return d;
}

} // namespace ferry
