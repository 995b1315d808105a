// CancelToken: a shared flag that long operations poll between items and
// inside copy loops. Thread-safe; copies share the same flag. Pause is a
// second flag the executor waits on between items.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

namespace ferry {

class CancelToken {
public:
    CancelToken() : m_state(std::make_shared<State>()) {}
    void cancel() { m_state->cancelled.store(true); }
    bool isCancelled() const { return m_state->cancelled.load(std::memory_order_relaxed); }
    void setPaused(bool paused) { m_state->paused.store(paused); }
    bool isPaused() const { return m_state->paused.load(); }
    // Blocks while paused; returns false if cancelled meanwhile.
    bool waitWhilePaused() const
    {
        while (m_state->paused.load() && !isCancelled())
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return !isCancelled();
    }

private:
    struct State {
        std::atomic<bool> cancelled{false};
        std::atomic<bool> paused{false};
    };
    std::shared_ptr<State> m_state;
};

} // namespace ferry
