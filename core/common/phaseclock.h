// PhaseClock: FERRY_TIMING=1 prints how long each phase of a run took, on
// standard error (for profiling and bench/). Costs one getenv when off.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace ferry {

class PhaseClock {
public:
    PhaseClock() : m_on(std::getenv("FERRY_TIMING") != nullptr), m_last(std::chrono::steady_clock::now()) {}
    bool on() const { return m_on; }
    // Prints the time since the last lap (or since construction) under `phase`.
    void lap(const char* phase)
    {
        if (!m_on)
            return;
        auto now = std::chrono::steady_clock::now();
        std::fprintf(stderr, "timing: %-12s %8.3f s\n", phase, std::chrono::duration<double>(now - m_last).count());
        m_last = now;
    }

private:
    bool m_on;
    std::chrono::steady_clock::time_point m_last;
};

} // namespace ferry
