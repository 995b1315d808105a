// openSyncRun: the one path from a pair of Locations to the engine. Opens
// both sides (with the credentials a remote side needs) and makes the
// SyncRun, stamped with this host and the current time. `ferry-cli sync`,
// JobRunner (ferry-cli run, the window, the scheduler) all come through
// here, so a remote backend is opened the same way for every caller.
//
// Failure kinds: the backend's own (AbortRun for an unreachable or
// unsupported place), with its message; nothing was changed then.
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

} // namespace ferry
