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
    // A job has one password: it goes to whichever side is remote.
    auto lb = openBackend(left, left.isLocal() ? RemoteAccess{} : access, login);
    if (!lb)
        return lb.error();
    auto rb = openBackend(right, right.isLocal() ? RemoteAccess{} : access, login);
    if (!rb)
        return rb.error();
    options.hostName = QSysInfo::machineHostName().toStdString();
    options.nowNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    return std::make_unique<SyncRun>(std::move(*lb), std::move(*rb), std::move(options));
}

} // namespace ferry
