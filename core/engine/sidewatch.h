// SideWatch: tells when a side of a run has stopped answering, so the run
// gives up in bounded time instead of retrying every item against a dead
// server (each retry waiting out a whole call timeout).
//
// A side is gone when
//   - a new session cannot be made right after one was lost (the server
//     dropped a call and then refused or ignored the login), or
//   - kStrikes connection-level failures (a lost session, a failed connect)
//     came in a row on it, with no item that used the side succeeding in
//     between.
// A side that merely refuses one extra login while others work (a server
// that limits sessions) is not gone: the sessions still working keep
// clearing its strikes, and only a reconnect after a loss is final.
// Once gone, a side stays gone for the run: the executor starts no new
// items, makes no new connections to it, and reports goneError() once.
//
// Thread-safety: every call may come from any worker at once.
#pragma once

#include "common/error.h"
#include "model/reason.h" // Side

#include <atomic>
#include <mutex>
#include <optional>
#include <string>

namespace ferry {

class SideWatch {
public:
    static constexpr int kStrikes = 3;
    // `locations`: how each side is shown to the user (Backend::location()).
    SideWatch(std::string leftLocation, std::string rightLocation);

    // An item that used `side` succeeded: its strikes start again.
    void noteSuccess(Side side);
    // A connection-level failure on `side`: `cause` is what the call or the
    // login said. `afterLoss`: a login that failed right after a session of
    // this side was lost (final). Returns whether the side is now gone.
    bool noteConnectionFailure(Side side, const Error& cause, bool afterLoss);

    bool gone(Side side) const { return m_gone[index(side)].load(); }
    bool anyGone() const { return gone(Side::Left) || gone(Side::Right); }
    // The one error of the run for the first side that went (AbortRun,
    // naming the side); nullopt while none is gone.
    std::optional<Error> goneError() const;

private:
    static int index(Side s) { return s == Side::Left ? 0 : 1; }
    void declareGone(Side side, const Error& cause);
    std::string m_locations[2];
    std::atomic<int> m_strikes[2]{0, 0};
    std::atomic<bool> m_gone[2]{false, false};
    mutable std::mutex m_mutex;
    std::optional<Error> m_error;
};

} // namespace ferry
