// SessionPool: the sessions (for a remote side: logged-in connections) of
// one side of a run, made on demand by the side's connect() and lent out one
// at a time. A run opens at most maxSessions of them, and reuses them across
// all its phases (scan, hash checks, each executor phase): a lease that ends
// puts its session back for the next one. A session whose connection broke
// (Backend::connectionLost()) is dropped when its lease ends, never lent
// again; the next lease connects afresh.
//
// Every session gets the pool's CallContext: the run's cancel token and the
// timeout of each call.
//
// Thread-safety: lease() and the end of a lease may come from any thread; a
// Lease and its session are used by one thread at a time. The pool must
// outlive its leases; so must the origin backend it connects from.
// Failures: lease() returns the connect error (Retry: unreachable, timed
// out; AbortRun: login refused). A refused login (AbortRun) is remembered
// and returned to every later lease without trying again (repeated refused
// logins can lock an account). Cancelled while waiting for a free session.
#pragma once

#include "backend/backend.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace ferry {

class SessionPool {
public:
    // `origin`: the side as opened (openBackend), used for connect() only.
    SessionPool(const Backend& origin, int maxSessions, CallContext context);
    ~SessionPool();
    SessionPool(const SessionPool&) = delete;
    SessionPool& operator=(const SessionPool&) = delete;

    // One session, lent until the Lease ends (or reset()).
    class Lease {
    public:
        Lease() = default;
        Lease(Lease&& other) noexcept;
        Lease& operator=(Lease&& other) noexcept;
        ~Lease() { reset(); }
        Backend& operator*() const { return *m_session; }
        Backend* operator->() const { return m_session.get(); }
        explicit operator bool() const { return m_session != nullptr; }
        // Ends the lease now: the session goes back to the pool (or away, when lost).
        void reset();

    private:
        friend class SessionPool;
        Lease(SessionPool* pool, std::unique_ptr<Backend> session) : m_pool(pool), m_session(std::move(session)) {}
        SessionPool* m_pool = nullptr;
        std::unique_ptr<Backend> m_session;
    };

    // An idle session, else a new one while fewer than maxSessions are open,
    // else waits for one to come back (cancellable).
    Result<Lease> lease();

    const Backend& origin() const { return m_origin; }
    const CallContext& context() const { return m_context; }
    int maxSessions() const { return m_max; }
    // Sessions connected so far (logins), and open now (idle or lent).
    int connected() const;
    int open() const;

private:
    void giveBack(std::unique_ptr<Backend> session);

    const Backend& m_origin;
    const int m_max;
    const CallContext m_context;
    mutable std::mutex m_mutex;
    std::condition_variable m_returned;
    std::vector<std::unique_ptr<Backend>> m_idle;
    int m_open = 0;       // idle, lent, or being connected
    int m_connected = 0;
    std::optional<Error> m_refused;
};

} // namespace ferry
