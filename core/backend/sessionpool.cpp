#include "sessionpool.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace ferry {

SessionPool::SessionPool(const Backend& origin, int maxSessions, CallContext context)
    : m_origin(origin), m_max(std::max(1, maxSessions)), m_context(std::move(context))
{
}

SessionPool::~SessionPool()
{
    // Every lease must have ended: a worker still holding one would come back to a pool that is gone.
    assert(int(m_idle.size()) == m_open);
}

SessionPool::Lease::Lease(Lease&& other) noexcept
    : m_pool(std::exchange(other.m_pool, nullptr)), m_session(std::move(other.m_session))
{
}

SessionPool::Lease& SessionPool::Lease::operator=(Lease&& other) noexcept
{
    if (this != &other) {
        reset();
        m_pool = std::exchange(other.m_pool, nullptr);
        m_session = std::move(other.m_session);
    }
    return *this;
}

void SessionPool::Lease::reset()
{
    if (m_pool && m_session)
        m_pool->giveBack(std::move(m_session));
    m_pool = nullptr;
    m_session.reset();
}

Result<SessionPool::Lease> SessionPool::lease()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        if (m_refused)
            return *m_refused;
        if (!m_idle.empty()) {
            std::unique_ptr<Backend> s = std::move(m_idle.back());
            m_idle.pop_back();
            s->forgetTree(); // a folder it opened in an earlier phase may have moved since
            return Lease(this, std::move(s));
        }
        if (m_open < m_max)
            break;
        if (m_context.cancel.isCancelled())
            return Error::cancelled();
        // All lent: one comes back when its holder's call ends, and every
        // call is bounded by the context; polled for a cancel meanwhile.
        m_returned.wait_for(lock, std::chrono::milliseconds(50));
    }
    ++m_open; // the slot is taken while connecting, outside the lock
    lock.unlock();
    Result<std::unique_ptr<Backend>> made = m_origin.connect(m_context);
    lock.lock();
    if (!made) {
        --m_open;
        if (made.error().kind == Error::Kind::AbortRun)
            m_refused = made.error();
        m_returned.notify_one();
        return made.error();
    }
    ++m_connected;
    (*made)->setCallContext(m_context);
    return Lease(this, std::move(*made));
}

void SessionPool::giveBack(std::unique_ptr<Backend> session)
{
    std::unique_ptr<Backend> lost;
    {
        std::lock_guard lock(m_mutex);
        if (session->connectionLost()) {
            lost = std::move(session); // closed outside the lock
            --m_open;
        } else {
            m_idle.push_back(std::move(session));
        }
    }
    m_returned.notify_one();
}

int SessionPool::connected() const
{
    std::lock_guard lock(m_mutex);
    return m_connected;
}

int SessionPool::open() const
{
    std::lock_guard lock(m_mutex);
    return m_open;
}

} // namespace ferry
