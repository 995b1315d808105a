// hashStream: the content hash of a whole stream, read in 1 MiB blocks;
// stops at the run's cancel token. Read errors carry the item's path.
#pragma once

#include "backend/backend.h"
#include "common/canceltoken.h"
#include "common/hash.h"

#include <string>

namespace ferry {

Result<ContentHash> hashStream(ReadStream& in, const std::string& path, const CancelToken& cancel);

} // namespace ferry
