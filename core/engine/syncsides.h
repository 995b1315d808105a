// openSyncRun: the one path from a pair of Locations to the engine. Opens
// both sides (with the credentials a remote side needs) and makes the
// SyncRun, stamped with this host and the current time. `ferry-cli sync`,
// JobRunner (ferry-cli run, the window, the scheduler) all come through
// here, so a remote backend is opened the same way for every caller.
//
// Failure kinds: the backend's own (AbortRun for an unsupported place or a
// refused login, Retry for a server that did not answer, Error::Code for a
// host key), with its message and, when the backend named none, the side's
// location as its path; nothing was changed then.
// Thread-safety: a plain function; the SyncRun belongs to the calling thread.
#pragma once

#include "backend/credentials.h"
#include "backend/location.h"
#include "common/error.h"
#include "engine/syncrun.h"

#include <memory>

namespace ferry {

Result<std::unique_ptr<SyncRun>> openSyncRun(const Location& left, const Location& right,
                                             const RemoteAccess& access, SyncOptions options);

// A side that refused to open because its server's host key changed
// (Error::Code::HostKeyChanged from openSyncRun), as the safety stop the
// history keeps and ferry-cli words (exit 4): the side is the one the
// error's path names, else the remote one.
SafetyStop hostKeyChangedStop(const Error& error, const Location& left, const Location& right, SyncMode mode);

} // namespace ferry
