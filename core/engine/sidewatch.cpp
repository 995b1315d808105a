#include "sidewatch.h"

namespace ferry {

SideWatch::SideWatch(std::string leftLocation, std::string rightLocation)
    : m_locations{std::move(leftLocation), std::move(rightLocation)}
{
}

void SideWatch::noteSuccess(Side side) { m_strikes[index(side)].store(0); }

bool SideWatch::noteConnectionFailure(Side side, const Error& cause, bool afterLoss)
{
    const int strikes = ++m_strikes[index(side)];
    if (afterLoss || strikes >= kStrikes)
        declareGone(side, cause);
    return gone(side);
}

void SideWatch::declareGone(Side side, const Error& cause)
{
    std::lock_guard lock(m_mutex);
    m_gone[index(side)].store(true);
    if (m_error)
        return; // one error per run: the first side that went
    const std::string& where = m_locations[index(side)];
    m_error = Error::abortRun("reach", where,
                              std::string("the ") + sideName(side) + " side, '" + where +
                                  "', stopped answering, so the run stopped (last: " + cause.message() + ")",
                              "Check the network and the server, then run the sync again; nothing more was "
                              "changed, and what was done is kept");
}

std::optional<Error> SideWatch::goneError() const
{
    std::lock_guard lock(m_mutex);
    return m_error;
}

} // namespace ferry
