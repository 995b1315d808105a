// What SftpBackend's files share (sftpbackend.cpp, sftpstreams.h,
// sftpwalk.cpp): the per-side state, SFTP attributes as entries, status
// codes as errors, and the start of each call. Internal to the SFTP backend.
#pragma once

#include "backend/sftpbackend.h"
#include "backend/sftplink.h"
#include "backend/sshconnection.h"
#include "common/timens.h"

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace ferry {

// What the sessions of one side share: where it is, how to log in again
// (pinned to the first session's host key, with the password asked at most
// once), the first connection until a session takes it, and what the
// server offers.
struct SftpBackend::Side {
    Location where;
    RemoteAccess access;
    std::string fingerprint;
    std::atomic<bool> posixRename{false}; // cleared when the server refuses it after all
    bool lsetstat = false;
    bool fsync = false;
    bool statvfs = false;
    int nameMax = 255;
    bool openssh = false; // OpenSSH's rename never replaces (it links and unlinks)

    std::mutex mutex;
    std::shared_ptr<SftpLink> spare; // the first connection, for the first session

    std::mutex passwordMutex;
    std::optional<Result<Credentials>> asked;

    std::string home; // the login's home folder on the server
    // Temporaries whose connection broke while they were written: their
    // writer is gone with it, so the next session removes them. Those still
    // here when the side ends (no session could reach the server again) are
    // booked for the next run against the same server (sftpbackend.cpp,
    // bookOrphans), which removes them as soon as it has logged in.
    std::vector<std::string> orphans;
    ~Side();
};

namespace sftpdetail {

inline constexpr size_t kWritePacket = 255 * 1024; // OpenSSH closes the channel at 256 KiB, header included
inline constexpr size_t kWritesInFlight = 4;
inline constexpr uint32_t kReadChunk = 128 * 1024;
inline constexpr size_t kReadsInFlight = 8;
inline constexpr uint8_t kFxpWrite = 6;
inline constexpr uint8_t kFxpFsetstat = 10;
inline constexpr uint8_t kFxpExtended = 200;

inline std::string normalizedRoot(std::string p)
{
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    return p.empty() ? "/" : p;
}

inline uint32_t secondsOf(int64_t ns)
{
    int64_t s = ns >= 0 ? ns / kNsPerSecond : -((-ns + kNsPerSecond - 1) / kNsPerSecond);
    return uint32_t(std::clamp<int64_t>(s, 0, std::numeric_limits<uint32_t>::max()));
}

inline Entry entryOf(const std::string& path, const sftp_attributes_struct& a)
{
    Entry e;
    e.path = path;
    uint32_t type = 0;
    if (a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) {
        e.mode = a.permissions & 07777;
        type = a.permissions & S_IFMT;
    }
    if (type == S_IFREG || (!type && a.type == SSH_FILEXFER_TYPE_REGULAR))
        e.kind = EntryKind::File;
    else if (type == S_IFDIR || (!type && a.type == SSH_FILEXFER_TYPE_DIRECTORY))
        e.kind = EntryKind::Directory;
    else if (type == S_IFLNK || (!type && a.type == SSH_FILEXFER_TYPE_SYMLINK))
        e.kind = EntryKind::Symlink;
    else
        e.kind = EntryKind::Special;
    if ((a.flags & SSH_FILEXFER_ATTR_SIZE) && e.kind != EntryKind::Directory)
        e.size = int64_t(a.size);
    if (a.flags & SSH_FILEXFER_ATTR_ACMODTIME)
        e.mtimeNs = secondsToNs(int64_t(a.mtime));
    return e;
}

struct AttrsDeleter {
    void operator()(sftp_attributes a) const { sftp_attributes_free(a); }
};
using Attrs = std::unique_ptr<sftp_attributes_struct, AttrsDeleter>;

inline Error invalidPath(const std::string& op, const std::string& path)
{
    return Error::skipItem(op, path, "not a valid path inside the synced folder");
}

inline Error lostError(const std::string& op, const std::string& path)
{
    return Error::retry(op, path, "the connection to the server was lost",
                        "Check the network and that the server is up, then run the sync again");
}

// An SFTP status code (the server's answer) as an Error.
inline Error statusError(int status, const std::string& op, const std::string& path)
{
    switch (status) {
    case SSH_FX_NO_SUCH_FILE:
    case SSH_FX_NO_SUCH_PATH:
        return errnoError(op, path, ENOENT);
    case SSH_FX_PERMISSION_DENIED:
        return errnoError(op, path, EACCES);
    case SSH_FX_FILE_ALREADY_EXISTS:
        return errnoError(op, path, EEXIST);
    case SSH_FX_WRITE_PROTECT: {
        Error e = errnoError(op, path, EROFS);
        e.nextStep = "The folder on the server is read-only; make it writable there and run again";
        return e;
    }
    case SSH_FX_OP_UNSUPPORTED:
        return Error::skipItem(op, path, "the server does not support this operation",
                               "Exclude this item, or use a server that supports it");
    case SSH_FX_BAD_MESSAGE:
        return Error::skipItem(op, path, "the server refused the request (a name too long or not valid there?)",
                               "Shorten or rename the item so the server accepts it");
    case SSH_FX_EOF:
        return Error::skipItem(op, path, "the file ended early on the server", "Run the sync again");
    default:
        return Error::skipItem(op, path, "the server reported a failure",
                               "Run the sync again; if it keeps failing, check this item on the server");
    }
}


inline std::string printable(const std::string& name)
{
    std::string out;
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += char(c);
        }
    }
    return out;
}


} // namespace sftpdetail

using namespace sftpdetail;

// Starts a call on `link`: fails at once on a lost link or a cancelled run,
// collects raw answers still due, and arms the watchdog.
class SftpBackend::Call {
public:
    Call(SftpLink& link, const CallContext& context) : m_link(link), m_guard(link, context)
    {
        link.sftp()->errnum = SSH_FX_OK; // so a stale status is never read as this call's
    }
    // The error of the libssh call that just failed.
    Error failure(const std::string& op, const std::string& path)
    {
        if (auto broken = m_guard.end(op, path))
            return *broken;
        sftp_session s = m_link.sftp();
        const int status = sftp_get_error(s);
        if (m_link.lost() || ssh_channel_is_eof(s->channel) || status == SSH_FX_OK ||
            status == SSH_FX_NO_CONNECTION || status == SSH_FX_CONNECTION_LOST) {
            // No answer from the server (or none we could read): the channel
            // is in an unknown state.
            m_link.markLost();
            return lostError(op, path);
        }
        return statusError(status, op, path);
    }
    int status() const { return sftp_get_error(m_link.sftp()); }
    // Whether the call was cut short or the connection broke (the link is
    // lost then), after a call that did not fail.
    std::optional<Error> interrupted(const std::string& op, const std::string& path)
    {
        if (auto broken = m_guard.end(op, path))
            return broken;
        if (m_link.lost())
            return lostError(op, path);
        return std::nullopt;
    }

private:
    SftpLink& m_link;
    CallGuard m_guard;
};

namespace sftpdetail {


// Before any call: a lost link or a cancelled run fails at once; raw
// answers still due are collected (libssh must not see them); and the reads
// in flight (but `ownReads`, the calling stream's drain) are collected: libssh
// 0.10 as patched by Debian (CVE-2026-59848) loses the answers queued
// before the one a call takes out of order.
inline std::optional<Error> ready(SftpLink& link, const CallContext& context, const std::string& op, const std::string& path,
                                  int ownReads = 0)
{
    if (context.cancel.isCancelled())
        return Error::cancelled();
    if (link.lost())
        return lostError(op, path);
    link.quiesce(ownReads);
    if (link.lost())
        return lostError(op, path);
    if (link.rawInFlight()) {
        CallGuard guard(link, context);
        const bool settled = link.settleRaw();
        if (auto broken = guard.end(op, path))
            return broken;
        if (!settled)
            return lostError(op, path);
    }
    return std::nullopt;
}


} // namespace sftpdetail

} // namespace ferry
