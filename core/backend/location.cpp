#include "location.h"

#include "backend/localbackend.h"

namespace ferry {

Result<std::unique_ptr<Backend>> openBackend(const Location& loc, const RemoteAccess& access)
{
    (void)access; // the SFTP and FTP backends take it
    if (loc.isLocal())
        return std::unique_ptr<Backend>(std::make_unique<LocalBackend>(loc.path));
    return Error::abortRun("connect", loc.toString(), "SFTP and FTP endpoints are not available in this build yet",
                           "Use local folders (mounted drives and shares work too)");
}

} // namespace ferry
