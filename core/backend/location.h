// Location: what a job points at, parsed from and printed as a URL:
//   /home/me/Docs   file:///home/me/Docs   sftp://me@host:22/srv/docs
//   ftp://me@host/path   ftps://me@host:990/path
// Secrets are never part of a Location: a password in the URL is refused.
// Pure value type.
#pragma once

#include "backend/backend.h"
#include "backend/credentials.h"
#include "common/error.h"

#include <memory>
#include <string>

namespace ferry {

struct Location {
    enum class Scheme { Local, Sftp, Ftp, Ftps };
    Scheme scheme = Scheme::Local;
    std::string user;
    std::string host;
    int port = 0;          // 0: the scheme's default
    std::string path;      // absolute; for Local a normalised absolute path

    static Result<Location> parse(const std::string& text, const std::string& workingDir = {});
    std::string toString() const;
    bool isLocal() const { return scheme == Scheme::Local; }
    bool operator==(const Location&) const = default;
};

// Opens the backend for a Location (remote schemes arrive with their own
// issues) with the credentials CredentialResolver found for it (none for a
// local folder). Use openSyncRun (engine/syncsides.h) to open both sides of a run.
Result<std::unique_ptr<Backend>> openBackend(const Location& loc, const Credentials& credentials = {});

} // namespace ferry
