// openBackend: the backend for a Location (model/location.h).
#pragma once

#include "backend/backend.h"
#include "common/error.h"
#include "model/location.h"

#include <memory>

namespace ferry {

// Opens the backend for a Location (remote schemes arrive with their own issues).
Result<std::unique_ptr<Backend>> openBackend(const Location& loc);

} // namespace ferry
