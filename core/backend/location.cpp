#include "location.h"

#include "backend/localbackend.h"
#include "backend/sftpbackend.h"

namespace ferry {

Result<std::unique_ptr<Backend>> openBackend(const Location& loc, const RemoteAccess& access,
                                             const CallContext& context)
{
    switch (loc.scheme) {
    case Location::Scheme::Local:
        return std::unique_ptr<Backend>(std::make_unique<LocalBackend>(loc.path));
    case Location::Scheme::Sftp: {
        // Logs in here, on the caller's thread (prompts), before the run starts.
        auto sftp = SftpBackend::open(loc, access, context);
        if (!sftp)
            return sftp.error();
        return std::unique_ptr<Backend>(std::move(*sftp));
    }
    case Location::Scheme::Ftp:
    case Location::Scheme::Ftps:
        break;
    }
    return Error::abortRun("connect", loc.toString(), "FTP endpoints are not available in this build yet",
                           "Use a local folder or an SFTP server");
}

} // namespace ferry
