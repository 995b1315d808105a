// Nanosecond times at the ends of their range: saturating, never wrapping.
#include "common/timens.h"

#include <catch2/catch.hpp>

using namespace ferry;

TEST_CASE("times after 2262 saturate at the largest nanosecond count instead of wrapping", "[timens]")
{
    const int64_t year2500 = 16725225600; // 2500-01-01T00:00:00Z
    CHECK(timespecToNs(year2500, 0) == kMaxTimeNs);
    CHECK(timespecToNs(year2500, 999999999) == kMaxTimeNs);
    CHECK(secondsToNs(year2500) == kMaxTimeNs);
    // The last representable second, and one nanosecond past it.
    CHECK(timespecToNs(9223372036, 854775807) == kMaxTimeNs);
    CHECK(timespecToNs(9223372036, 854775808) == kMaxTimeNs);
    CHECK(timespecToNs(9223372036, 854775806) == kMaxTimeNs - 1);
}

TEST_CASE("times before 1677 saturate at the smallest nanosecond count instead of wrapping", "[timens]")
{
    const int64_t year1500 = -14831769600; // 1500-01-01T00:00:00Z
    CHECK(timespecToNs(year1500, 0) == kMinTimeNs);
    CHECK(timespecToNs(year1500, 500) == kMinTimeNs);
    CHECK(secondsToNs(year1500) == kMinTimeNs);
    CHECK(timespecToNs(-1, 0) == -kNsPerSecond);
    CHECK(timespecToNs(-1, 500000000) == -kNsPerSecond / 2);
}

TEST_CASE("ordinary times convert exactly", "[timens]")
{
    CHECK(timespecToNs(1700000000, 123456789) == int64_t(1700000000123456789));
    CHECK(secondsToNs(0) == 0);
    CHECK(saturatingSub(10, 3) == 7);
    CHECK(saturatingSub(kMaxTimeNs, kMinTimeNs) == kMaxTimeNs);
    CHECK(saturatingSub(kMinTimeNs, kMaxTimeNs) == kMinTimeNs);
}
