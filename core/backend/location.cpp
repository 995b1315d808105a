#include "location.h"

#include "backend/localbackend.h"

namespace ferry {

Result<std::unique_ptr<Backend>> openBackend(const Location& loc, const Credentials& credentials)
{
    (void)credentials; // the SFTP and FTP backends take them
    if (loc.isLocal())
        return std::unique_ptr<Backend>(std::make_unique<LocalBackend>(loc.path));
    return Error::abortRun("connect", loc.toString(), "SFTP and FTP endpoints are not available in this build yet",
                           "Use local folders (mounted drives and shares work too)");
}

} // namespace ferry
