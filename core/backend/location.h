// openBackend: the backend for a Location (model/location.h).
#pragma once

#include "backend/backend.h"
#include "backend/credentials.h"
#include "common/error.h"
#include "model/location.h"

#include <memory>

namespace ferry {

// Opens the backend for a Location (remote schemes arrive with their own
// issues) with the credentials CredentialResolver found for it (none for a
// local folder). Use openSyncRun (engine/syncsides.h) to open both sides of a run.
Result<std::unique_ptr<Backend>> openBackend(const Location& loc, const Credentials& credentials = {});

} // namespace ferry
