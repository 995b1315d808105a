#include "syncsides.h"

#include <QString>
#include <QSysInfo>

#include <chrono>

namespace ferry {

Result<std::unique_ptr<SyncRun>> openSyncRun(const Location& left, const Location& right,
                                             const RemoteAccess& access, SyncOptions options)
{
    // The first login waits on a server like every later call of the run:
    // a stalled server must not hold the run for longer than callTimeout.
    CallContext login;
    login.timeout = options.callTimeout;
    auto named = [](Error e, const Location& side) {
        if (e.path.empty() && !e.operation.empty()) // a sentence of its own keeps its words
            e.path = side.toString();
        return e;
    };
    // A job has one password: it goes to whichever side is remote.
    auto lb = openBackend(left, left.isLocal() ? RemoteAccess{} : access, login);
    if (!lb)
        return named(lb.error(), left);
    auto rb = openBackend(right, right.isLocal() ? RemoteAccess{} : access, login);
    if (!rb)
        return named(rb.error(), right);
    options.hostName = QSysInfo::machineHostName().toStdString();
    options.nowNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    return std::make_unique<SyncRun>(std::move(*lb), std::move(*rb), std::move(options));
}

SafetyStop hostKeyChangedStop(const Error& error, const Location& left, const Location& right, SyncMode mode)
{
    SafetyStop stop;
    stop.kind = StopKind::HostKeyChanged;
    stop.mode = mode;
    const bool namesLeft = !error.path.empty() && error.path == left.toString();
    const bool namesRight = !error.path.empty() && error.path == right.toString();
    stop.side = namesLeft || (!namesRight && !left.isLocal()) ? Side::Left : Side::Right;
    stop.location = (stop.side == Side::Left ? left : right).toString();
    stop.detail = error.nextStep.empty() ? error.detail : error.detail + ". " + error.nextStep;
    return stop;
}

} // namespace ferry
