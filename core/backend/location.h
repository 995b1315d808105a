// openBackend: the backend for a Location (model/location.h).
#pragma once

#include "backend/backend.h"
#include "backend/credentials.h"
#include "common/error.h"
#include "model/location.h"

#include <memory>

namespace ferry {

// Opens the backend for a Location (remote schemes arrive with their own
// issues) with what its caller lends it to connect (a password, host-key
// confirmation, key files; ignored for a local folder). A remote side logs
// in here, within `context` (its timeout bounds each wait on the server).
// Use openSyncRun (engine/syncsides.h) to open both sides of a run.
Result<std::unique_ptr<Backend>> openBackend(const Location& loc, const RemoteAccess& access = {},
                                             const CallContext& context = {});

} // namespace ferry
