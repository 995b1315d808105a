#include "sftpbackend.h"

#include "backend/sftplink.h"
#include "backend/sshconnection.h"
#include "common/hash.h"
#include "common/relpath.h"
#include "common/tempname.h"
#include "common/timens.h"

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <fcntl.h>
#include <limits>
#include <map>
#include <mutex>
#include <sys/stat.h>

namespace ferry {

// What the sessions of one side share: where it is, how to log in again
// (pinned to the first session's host key, with the password asked at most
// once), the first connection until a session takes it, and what the
// server offers.
struct SftpBackend::Side {
    Location where;
    RemoteAccess access;
    std::string fingerprint;
    bool posixRename = false;
    bool lsetstat = false;
    bool fsync = false;
    bool statvfs = false;
    int nameMax = 255;

    std::mutex mutex;
    std::unique_ptr<SshConnection> spare; // the first connection, for the first session

    std::mutex passwordMutex;
    std::optional<Result<Credentials>> asked;

    std::string home; // the login's home folder on the server
    // Temporaries whose connection broke while they were written: their
    // writer is gone with it, so the next session removes them.
    std::vector<std::string> orphans;
};

namespace {

constexpr size_t kWritePacket = 255 * 1024; // OpenSSH closes the channel at 256 KiB, header included
constexpr size_t kWritesInFlight = 4;
constexpr uint32_t kReadChunk = 128 * 1024;
constexpr size_t kReadsInFlight = 8;
constexpr uint8_t kFxpWrite = 6;

std::string normalizedRoot(std::string p)
{
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    return p.empty() ? "/" : p;
}

uint32_t secondsOf(int64_t ns)
{
    int64_t s = ns >= 0 ? ns / kNsPerSecond : -((-ns + kNsPerSecond - 1) / kNsPerSecond);
    return uint32_t(std::clamp<int64_t>(s, 0, std::numeric_limits<uint32_t>::max()));
}

Entry entryOf(const std::string& path, const sftp_attributes_struct& a)
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

Error invalidPath(const std::string& op, const std::string& path)
{
    return Error::skipItem(op, path, "not a valid path inside the synced folder");
}

Error lostError(const std::string& op, const std::string& path)
{
    return Error::retry(op, path, "the connection to the server was lost",
                        "Check the network and that the server is up, then run the sync again");
}

// An SFTP status code (the server's answer) as an Error.
Error statusError(int status, const std::string& op, const std::string& path)
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

} // namespace

// ---- one call's bounds and errors -------------------------------------------

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

namespace {

// Before any call: a lost link or a cancelled run fails at once; raw
// answers still due are collected (libssh must not see them); and, unless
// the call is a read stream's own, the reads in flight are collected: libssh
// 0.10 as patched by Debian (CVE-2026-59848) loses the answers queued
// before the one a call takes out of order.
std::optional<Error> ready(SftpLink& link, const CallContext& context, const std::string& op, const std::string& path,
                           bool collectReads = true)
{
    if (context.cancel.isCancelled())
        return Error::cancelled();
    if (link.lost())
        return lostError(op, path);
    if (collectReads)
        link.quiesce();
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

} // namespace

// ---- streams ------------------------------------------------------------------

// Reads with up to kReadsInFlight requests of kReadChunk ahead. Answers are
// collected strictly in the order asked (libssh 0.10 as patched by Debian
// loses answers taken out of order); a short answer asks for the rest at the
// back, and the bytes wait by offset until they are next. The link may ask
// for the read-ahead (before a raw request): it is collected and kept.
class SftpReadStream final : public ReadStream {
public:
    SftpReadStream(std::shared_ptr<SftpLink> link, sftp_file file, CallContext context, std::string path)
        : m_link(std::move(link)), m_file(file), m_context(std::move(context)), m_path(std::move(path))
    {
        m_drain = m_link->addDrain([this] { collectAll(); });
    }
    ~SftpReadStream() override
    {
        m_link->removeDrain(m_drain);
        collectAll(); // every answer consumed: none is left for a raw reader to trip on
        (void)ready(*m_link, m_context, "read", m_path); // nor another stream's
        CallGuard guard(*m_link, m_context); // on a lost link this fails at once, and frees the handle
        sftp_close(m_file);
    }

    Result<size_t> read(char* buf, size_t len) override
    {
        if (m_error)
            return *m_error;
        for (;;) {
            if (!m_chunks.empty() && m_chunks.begin()->first == m_deliver) {
                auto it = m_chunks.begin();
                std::string& chunk = it->second;
                const size_t n = std::min(len, chunk.size() - m_chunkPos);
                std::memcpy(buf, chunk.data() + m_chunkPos, n);
                m_chunkPos += n;
                if (m_chunkPos == chunk.size()) {
                    m_deliver = it->first + chunk.size();
                    m_chunks.erase(it);
                    m_chunkPos = 0;
                }
                return n;
            }
            if (m_deliver >= m_endAt || (m_inFlight.empty() && m_eofSeen))
                return size_t(0);
            if (auto e = ready(*m_link, m_context, "read", m_path, false))
                return fail(*e);
            topUp();
            if (m_error)
                return *m_error;
            if (m_inFlight.empty())
                return size_t(0);
            if (!collectOne())
                return *m_error;
        }
    }

    std::optional<Entry> statOpen() const override
    {
        if (m_link->lost() || m_error || ready(*m_link, m_context, "read", m_path))
            return std::nullopt;
        SftpBackend::Call call(*m_link, m_context);
        Attrs a(sftp_fstat(m_file));
        if (!a)
            return std::nullopt;
        return entryOf({}, *a);
    }

private:
    struct Request {
        int id;
        uint64_t offset;
        uint32_t len;
    };

    Error fail(Error e)
    {
        m_error = e;
        return e;
    }

    void issue(uint64_t offset, uint32_t len)
    {
        sftp_seek64(m_file, offset);
        const int id = sftp_async_read_begin(m_file, len);
        if (id < 0) {
            m_link->markLost();
            fail(lostError("read", m_path));
            return;
        }
        m_inFlight.push_back(Request{id, offset, len});
    }

    void topUp()
    {
        SftpBackend::Call call(*m_link, m_context);
        while (!m_eofSeen && !m_error && m_inFlight.size() < kReadsInFlight) {
            issue(m_nextOffset, kReadChunk);
            m_nextOffset += kReadChunk;
        }
        if (auto e = call.interrupted("read", m_path))
            fail(*e);
    }

    // Waits for the oldest request; its bytes wait in m_chunks. False on error.
    bool collectOne()
    {
        const Request r = m_inFlight.front();
        m_inFlight.pop_front();
        std::string data(r.len, '\0');
        SftpBackend::Call call(*m_link, m_context);
        m_file->eof = 0; // libssh answers 0 without reading once it saw the end: every answer must be read
        const int n = sftp_async_read(m_file, data.data(), r.len, uint32_t(r.id));
        if (n < 0) {
            fail(call.failure("read", m_path));
            return false;
        }
        if (auto e = call.interrupted("read", m_path)) {
            fail(*e);
            return false;
        }
        if (n == 0) { // the end of the file is at or before this offset
            m_eofSeen = true;
            m_endAt = std::min(m_endAt, r.offset);
            return true;
        }
        if (r.offset >= m_endAt)
            return true;
        data.resize(size_t(n));
        m_chunks.emplace(r.offset, std::move(data));
        if (uint32_t(n) < r.len) { // a short answer: the rest is asked for, at the back
            SftpBackend::Call more(*m_link, m_context);
            issue(r.offset + uint64_t(n), r.len - uint32_t(n));
        }
        return !m_error;
    }

    void collectAll()
    {
        while (!m_inFlight.empty() && !m_error && !m_link->lost())
            collectOne();
    }

    std::shared_ptr<SftpLink> m_link;
    sftp_file m_file;
    CallContext m_context;
    std::string m_path;
    int m_drain = 0;
    std::deque<Request> m_inFlight;
    std::map<uint64_t, std::string> m_chunks; // by offset, not yet handed out
    size_t m_chunkPos = 0;                    // in m_chunks.begin()
    uint64_t m_deliver = 0;                   // the next offset to hand out
    uint64_t m_nextOffset = 0;                // the next offset to ask for
    uint64_t m_endAt = std::numeric_limits<uint64_t>::max();
    bool m_eofSeen = false;
    std::optional<Error> m_error;
};

// A new file under a temporary name. Writes go in packets of kWritePacket,
// up to kWritesInFlight of them unanswered, as raw requests on the channel.
class SftpTempFile final : public TempFile {
public:
    SftpTempFile(std::shared_ptr<SftpLink> link, sftp_file file, CallContext context, std::string rel,
                 std::string absPath, bool fsync)
        : m_link(std::move(link)), m_file(file), m_context(std::move(context)), m_rel(std::move(rel)),
          m_abs(std::move(absPath)), m_fsync(fsync)
    {
        m_buffer.reserve(kWritePacket);
    }
    ~SftpTempFile() override
    {
        if (m_file) {
            awaitAll();
            closeFile();
        }
        if (m_committed)
            return;
        if (!m_link->lost() && !ready(*m_link, m_context, "delete", m_rel)) {
            CallGuard guard(*m_link, m_context);
            if (sftp_unlink(m_link->sftp(), m_abs.c_str()) == 0 || !guard.end("delete", m_rel))
                return;
        }
        // The connection broke: its writer on the server is gone with it, so
        // the next session of this side removes it.
        if (m_side) {
            std::lock_guard lock(m_side->mutex);
            m_side->orphans.push_back(m_abs);
        }
    }

    Result<void> write(const char* buf, size_t len) override
    {
        if (m_error)
            return *m_error;
        while (len > 0) {
            const size_t n = std::min(len, kWritePacket - m_buffer.size());
            m_buffer.append(buf, n);
            buf += n;
            len -= n;
            if (m_buffer.size() == kWritePacket)
                if (auto r = sendBuffer(); !r)
                    return r;
        }
        return Ok{};
    }
    const std::string& tempPath() const override { return m_rel; }

    // Everything written reaches the server, is made durable where the server
    // can (fsync@openssh.com), and the handle is closed. Errors name `path`.
    Result<void> finish(const std::string& path)
    {
        if (!m_error && !m_buffer.empty())
            (void)sendBuffer();
        awaitAll();
        if (!m_error && m_fsync && !m_link->lost()) {
            if (auto e = ready(*m_link, m_context, "write", path))
                m_error = *e;
            else {
                SftpBackend::Call call(*m_link, m_context);
                if (sftp_fsync(m_file) < 0)
                    m_error = writeFailure(call.failure("write", path));
            }
        }
        if (!m_error)
            if (auto e = ready(*m_link, m_context, "write", path))
                m_error = *e;
        const bool closed = closeFile();
        if (m_error) {
            Error e = *m_error;
            e.path = path;
            return e;
        }
        if (!closed)
            return writeFailure(statusError(SSH_FX_FAILURE, "write", path));
        return Ok{};
    }
    int64_t size() const { return int64_t(m_offset); }
    const std::string& absPath() const { return m_abs; }
    void setCommitted() { m_committed = true; }
    void setFull(bool full) { m_serverFull = full; }
    std::function<bool()> diskFull; // asks statvfs whether the server's disk is full

private:
    friend class SftpBackend;

    Result<void> sendBuffer()
    {
        if (auto e = ready(*m_link, m_context, "write", m_rel)) {
            m_error = *e;
            return *e;
        }
        m_link->quiesce(); // no libssh read in flight while raw answers are due
        std::string payload;
        payload.reserve(m_buffer.size() + 64);
        sftpwire::putString(payload, std::string(static_cast<const char*>(ssh_string_data(m_file->handle)),
                                                 ssh_string_len(m_file->handle)));
        sftpwire::putU64(payload, m_offset);
        sftpwire::putString(payload, m_buffer);
        CallGuard guard(*m_link, m_context);
        const uint32_t id = m_link->sendRaw(kFxpWrite, payload);
        if (!guardError(guard) && !id)
            m_error = lostError("write", m_rel);
        if (m_error)
            return *m_error;
        m_offset += m_buffer.size();
        m_buffer.clear();
        m_pending.push_back(id);
        while (m_pending.size() >= kWritesInFlight && !m_error)
            awaitOldest();
        if (m_error)
            return *m_error;
        return Ok{};
    }

    bool guardError(CallGuard& guard)
    {
        if (auto broken = guard.end("write", m_rel)) {
            m_error = *broken;
            return true;
        }
        return false;
    }

    void awaitOldest()
    {
        const uint32_t id = m_pending.front();
        m_pending.pop_front();
        CallGuard guard(*m_link, m_context);
        const int status = m_link->awaitStatus(id);
        if (guardError(guard))
            return;
        if (status < 0) {
            m_error = lostError("write", m_rel);
            return;
        }
        if (status != SSH_FX_OK && !m_error)
            m_error = writeFailure(statusError(status, "write", m_rel));
    }

    void awaitAll()
    {
        while (!m_pending.empty() && !m_link->lost())
            awaitOldest();
        m_pending.clear();
    }

    // A write or close the server failed without saying why is most often a
    // full disk (OpenSSH says only "Failure" for ENOSPC).
    Error writeFailure(Error e)
    {
        if (e.kind != Error::Kind::SkipItem || e.osError != 0)
            return e;
        if (diskFull && !m_link->lost() && diskFull()) {
            Error full = errnoError(e.operation, e.path, ENOSPC);
            full.detail = "the server's disk is full";
            full.nextStep = "Free some space on the server, then run the sync again";
            return full;
        }
        e.detail = "the server could not write the file (its disk may be full, or a quota reached)";
        e.nextStep = "Check the free space and quota on the server, then run the sync again";
        return e;
    }

    bool closeFile()
    {
        if (!m_file)
            return true;
        sftp_file f = std::exchange(m_file, nullptr);
        if (m_link->lost() || ready(*m_link, m_context, "write", m_rel)) {
            CallGuard guard(*m_link, m_context);
            sftp_close(f); // frees the handle; the answer does not matter
            return false;
        }
        CallGuard guard(*m_link, m_context);
        const bool ok = sftp_close(f) == 0;
        return !guard.end("write", m_rel) && ok;
    }

    std::shared_ptr<SftpLink> m_link;
    sftp_file m_file;
    CallContext m_context;
    std::string m_rel;
    std::string m_abs;
    bool m_fsync;
    std::string m_buffer;
    uint64_t m_offset = 0;
    std::deque<uint32_t> m_pending;
    std::optional<Error> m_error;
    bool m_committed = false;
    bool m_serverFull = false;

public:
    std::shared_ptr<SftpBackend::Side> m_side;
};

// ---- opening and sessions ----------------------------------------------------------

namespace {

// The access later sessions log in with: the host key pinned, the password
// the first session was given (asked once, shared).
RemoteAccess sessionAccess(const std::shared_ptr<SftpBackend::Side>& side)
{
    RemoteAccess a = side->access;
    const std::string pinned = side->fingerprint;
    a.confirmHostKey = [pinned](const HostKeyFacts& facts) {
        return !pinned.empty() && facts.fingerprint == pinned ? HostKeyChoice::AcceptOnce : HostKeyChoice::Refuse;
    };
    return a;
}

} // namespace

Result<std::unique_ptr<SftpBackend>> SftpBackend::open(const Location& where, const RemoteAccess& access,
                                                       const CallContext& context)
{
    auto side = std::make_shared<Side>();
    side->where = where;
    side->access = access;
    if (access.password) {
        // Asked at most once for the whole side, whichever session asks first.
        std::weak_ptr<Side> weak = side;
        PasswordSource ask = access.password;
        side->access.password = [weak, ask](const std::string& why) -> Result<Credentials> {
            auto s = weak.lock();
            if (!s)
                return ask(why);
            std::lock_guard lock(s->passwordMutex);
            if (!s->asked)
                s->asked = ask(why);
            return *s->asked;
        };
    }
    auto connection = SshConnection::open(where, side->access, context);
    if (!connection)
        return connection.error();
    SshConnection& c = **connection;
    side->fingerprint = c.hostKey().fingerprint;
    side->posixRename = c.hasExtension("posix-rename@openssh.com");
    side->lsetstat = c.hasExtension("lsetstat@openssh.com");
    side->fsync = c.hasExtension("fsync@openssh.com");
    side->statvfs = c.hasExtension("statvfs@openssh.com");
    if (char* home = sftp_canonicalize_path(c.sftp(), ".")) {
        side->home = home;
        ssh_string_free_char(home);
    }
    std::string root = normalizedRoot(where.path.empty() ? std::string("/~") : where.path);
    if (root == "/~" || root.rfind("/~/", 0) == 0) {
        // Below the login's home folder, as the server names it.
        if (side->home.empty())
            return Error::abortRun("open folder", where.toString(), "the server did not say where the home folder is",
                                   "Give the folder as an absolute path");
        root = normalizedRoot(side->home + root.substr(2));
    }
    side->where.path = root;
    if (side->statvfs) {
        if (sftp_statvfs_t v = sftp_statvfs(c.sftp(), root == "/" ? "/" : std::string(root).c_str())) {
            if (v->f_namemax > 0)
                side->nameMax = int(std::min<uint64_t>(v->f_namemax, 255));
            sftp_statvfs_free(v);
        } else if (sftp_statvfs_t top = sftp_statvfs(c.sftp(), "/")) {
            if (top->f_namemax > 0)
                side->nameMax = int(std::min<uint64_t>(top->f_namemax, 255));
            sftp_statvfs_free(top);
        }
    }
    side->spare = std::move(*connection);
    auto place = std::unique_ptr<SftpBackend>(new SftpBackend(side, root, nullptr));
    place->setCallContext(context);
    return place;
}

SftpBackend::SftpBackend(std::shared_ptr<Side> side, std::string root, std::shared_ptr<SftpLink> link)
    : m_side(std::move(side)), m_root(normalizedRoot(std::move(root))), m_link(std::move(link))
{
}

SftpBackend::~SftpBackend() = default;

Result<std::unique_ptr<Backend>> SftpBackend::connect(const CallContext& context) const
{
    std::unique_ptr<SshConnection> connection;
    {
        std::lock_guard lock(m_side->mutex);
        connection = std::move(m_side->spare);
    }
    if (!connection) {
        auto opened = SshConnection::open(m_side->where, sessionAccess(m_side), context, m_side->fingerprint);
        if (!opened)
            return opened.error();
        connection = std::move(*opened);
    }
    auto session = std::unique_ptr<SftpBackend>(
        new SftpBackend(m_side, m_root, std::make_shared<SftpLink>(std::move(connection))));
    session->setCallContext(context);
    session->removeOrphans();
    return std::unique_ptr<Backend>(std::move(session));
}

Result<SftpLink*> SftpBackend::linkFor(const char* op, const std::string& path)
{
    if (!m_link) {
        // The place as opened works on its own: the first connection when no
        // session took it, else a new login.
        std::unique_ptr<SshConnection> connection;
        {
            std::lock_guard lock(m_side->mutex);
            connection = std::move(m_side->spare);
        }
        if (!connection) {
            auto opened = SshConnection::open(m_side->where, sessionAccess(m_side), callContext(), m_side->fingerprint);
            if (!opened)
                return opened.error();
            connection = std::move(*opened);
        }
        m_link = std::make_shared<SftpLink>(std::move(connection));
    }
    if (auto e = ready(*m_link, callContext(), op, path))
        return *e;
    return m_link.get();
}

void SftpBackend::removeOrphans()
{
    std::vector<std::string> orphans;
    {
        std::lock_guard lock(m_side->mutex);
        orphans.swap(m_side->orphans);
    }
    for (const std::string& path : orphans) {
        Call call(*m_link, callContext());
        if (sftp_unlink(m_link->sftp(), path.c_str()) != 0 && m_link->lost())
            break;
    }
}

bool SftpBackend::connectionLost() const { return m_link && m_link->lost(); }

std::string SftpBackend::location() const
{
    Location l = m_side->where;
    l.path = m_root;
    return l.toString();
}

Capabilities SftpBackend::capabilities() const
{
    Capabilities caps;
    caps.timePrecisionNs = kNsPerSecond; // SFTP v3: whole seconds
    caps.symlinks = true;
    caps.fileIds = false;
    caps.atomicRename = m_side->posixRename;
    caps.maxNameBytes = m_side->nameMax;
    caps.trash = false;
    return caps;
}

std::string SftpBackend::abs(const std::string& rel) const
{
    if (rel.empty())
        return m_root;
    return m_root == "/" ? "/" + rel : m_root + "/" + rel;
}

// ---- the root -----------------------------------------------------------------------

Result<bool> SftpBackend::rootExists()
{
    auto link = linkFor("open folder", m_root);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    Attrs a(sftp_stat((*link)->sftp(), m_root.c_str())); // the root itself may be a link
    if (!a) {
        if (call.status() == SSH_FX_NO_SUCH_FILE || call.status() == SSH_FX_NO_SUCH_PATH)
            if (auto e = call.interrupted("open folder", m_root); !e)
                return false;
        return call.failure("open folder", m_root);
    }
    if (entryOf(m_root, *a).kind != EntryKind::Directory)
        return Error::abortRun("open folder", m_root, "this is not a folder", "Point the job at a folder");
    return true;
}

Result<void> SftpBackend::createRoot()
{
    auto link = linkFor("create folder", m_root);
    if (!link)
        return link.error();
    size_t pos = 1;
    while (pos <= m_root.size()) {
        size_t slash = m_root.find('/', pos);
        if (slash == std::string::npos)
            slash = m_root.size();
        const std::string partial = m_root.substr(0, slash);
        pos = slash + 1;
        Call call(**link, callContext());
        if (sftp_mkdir((*link)->sftp(), partial.c_str(), 0777) == 0)
            continue;
        Error failed = call.failure("create folder", partial);
        if ((*link)->lost() || failed.kind == Error::Kind::Cancelled)
            return failed;
        Call check(**link, callContext());
        Attrs there(sftp_stat((*link)->sftp(), partial.c_str()));
        if (!there || entryOf(partial, *there).kind != EntryKind::Directory)
            return failed;
    }
    return Ok{};
}

Result<RootIdentity> SftpBackend::rootIdentity()
{
    auto link = linkFor("open folder", m_root);
    if (!link)
        return link.error();
    std::string real;
    {
        Call call(**link, callContext());
        char* canonical = sftp_canonicalize_path((*link)->sftp(), m_root.c_str());
        if (!canonical)
            return call.failure("open folder", m_root);
        real = canonical;
        ssh_string_free_char(canonical);
    }
    RootIdentity id;
    const ContentHash h = hashBytes(m_side->fingerprint + "\n" + real);
    id.fileId = h.lo ? h.lo : 1;
    if (m_side->statvfs) {
        Call fs(**link, callContext());
        if (sftp_statvfs_t v = sftp_statvfs((*link)->sftp(), real.c_str())) {
            id.device = v->f_fsid;
            sftp_statvfs_free(v);
        } else if (auto e = fs.interrupted("open folder", m_root)) {
            return *e;
        }
    }
    id.known = true;
    return id;
}

// ---- reading the tree ------------------------------------------------------------------

namespace {

std::string printable(const std::string& name)
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

} // namespace

Result<std::vector<ListedItem>> SftpBackend::listInto(const std::string& dir, std::vector<Error>* refused)
{
    const char* op = "list folder";
    if (!dir.empty() && !relpath::isValidRelPath(dir))
        return invalidPath(op, dir);
    auto link = linkFor(op, dir);
    if (!link)
        return link.error();
    sftp_session s = (*link)->sftp();
    const std::string where = abs(dir);
    std::vector<ListedItem> items;
    {
        Call call(**link, callContext());
        sftp_dir d = sftp_opendir(s, where.c_str());
        if (!d)
            return call.failure(op, dir.empty() ? m_root : dir);
        std::optional<Error> failed;
        for (;;) {
            Attrs a(sftp_readdir(s, d));
            if (!a) {
                if (!sftp_dir_eof(d))
                    failed = call.failure(op, dir.empty() ? m_root : dir);
                break;
            }
            const std::string name = a->name ? a->name : "";
            if (name == "." || name == "..")
                continue; // the folder itself and its parent, listed by every server
            if (!relpath::isValidName(name)) {
                ++m_refusedNames;
                if (refused)
                    refused->push_back(Error::skipItem(
                        "list folder", dir.empty() ? m_root : dir,
                        "the server lists an item named '" + printable(name) +
                            "', which is not a valid file name; it was left alone",
                        "Rename or remove it on the server"));
                continue;
            }
            items.push_back(ListedItem{entryOf(relpath::join(dir, name), *a), {}});
        }
        sftp_closedir(d);
        if (!failed)
            if (auto e = call.interrupted(op, dir))
                failed = *e;
        if (failed)
            return *failed;
    }
    for (ListedItem& item : items) {
        if (item.entry.kind != EntryKind::Symlink)
            continue;
        Call call(**link, callContext());
        char* target = sftp_readlink(s, abs(item.entry.path).c_str());
        if (target) {
            item.linkTarget = target;
            item.entry.size = int64_t(item.linkTarget.size());
            ssh_string_free_char(target);
        } else if (auto e = call.interrupted("read symlink", item.entry.path)) {
            return *e;
        } else if ((*link)->lost()) {
            return lostError("read symlink", item.entry.path);
        }
    }
    return items;
}

Result<std::vector<ListedItem>> SftpBackend::list(const std::string& dir) { return listInto(dir, nullptr); }

Result<void> SftpBackend::walk(const std::string& dir, WalkVisitor& visitor)
{
    // Serial, as Backend::walk, and names the server lists that are not valid
    // go to the visitor as refused items.
    struct Frame {
        std::vector<ListedItem> items;
        std::vector<uint32_t> order;
        size_t next = 0;
    };
    std::vector<Frame> stack;
    std::optional<Error> ended;
    auto open = [&](const std::string& folder) {
        std::vector<Error> refused;
        auto listed = listInto(folder, &refused);
        for (const Error& e : refused)
            visitor.refused(folder, e);
        if (!listed) {
            if (listed.error().kind == Error::Kind::Cancelled || connectionLost()) {
                ended = listed.error();
                return false;
            }
            visitor.unreadable(folder, listed.error());
            return true;
        }
        std::vector<uint32_t> order = walkOrder(*listed);
        stack.push_back(Frame{std::move(*listed), std::move(order), 0});
        return true;
    };
    if (!open(dir))
        return *ended;
    while (!stack.empty()) {
        Frame& frame = stack.back();
        if (frame.next == frame.items.size()) {
            stack.pop_back();
            continue;
        }
        ListedItem& item = frame.items[frame.order[frame.next++]];
        const bool isFolder = item.entry.isDir();
        if (isFolder && !visitor.enter(item.entry))
            continue;
        std::string folder = isFolder ? item.entry.path : std::string();
        if (!visitor.visit(item))
            return Ok{};
        if (isFolder && !open(folder))
            return *ended;
    }
    return Ok{};
}

Result<std::optional<Entry>> SftpBackend::lstatAbs(const std::string& absPath, const std::string& rel, const char* op)
{
    auto link = linkFor(op, rel);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    Attrs a(sftp_lstat((*link)->sftp(), absPath.c_str()));
    if (!a) {
        if (call.status() == SSH_FX_NO_SUCH_FILE || call.status() == SSH_FX_NO_SUCH_PATH)
            if (auto e = call.interrupted(op, rel); !e)
                return std::optional<Entry>{};
        return call.failure(op, rel);
    }
    return std::optional<Entry>{entryOf(rel, *a)};
}

Result<std::optional<Entry>> SftpBackend::stat(const std::string& path)
{
    if (!path.empty() && !relpath::isValidRelPath(path))
        return invalidPath("read details of", path);
    return lstatAbs(abs(path), path, "read details of");
}

Result<std::string> SftpBackend::readLink(const std::string& path)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("read symlink", path);
    auto link = linkFor("read symlink", path);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    char* target = sftp_readlink((*link)->sftp(), abs(path).c_str());
    if (!target)
        return call.failure("read symlink", path);
    std::string out = target;
    ssh_string_free_char(target);
    return out;
}

Result<std::unique_ptr<ReadStream>> SftpBackend::openRead(const std::string& path)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("open", path);
    // SFTP has no O_NOFOLLOW: a file that became a symlink since the scan is
    // refused here rather than followed.
    auto st = lstatAbs(abs(path), path, "open");
    if (!st)
        return st.error();
    if (!*st)
        return errnoError("open", path, ENOENT);
    if ((*st)->kind == EntryKind::Symlink)
        return errnoError("open", path, ELOOP);
    auto link = linkFor("open", path);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    sftp_file f = sftp_open((*link)->sftp(), abs(path).c_str(), O_RDONLY, 0);
    if (!f)
        return call.failure("open", path);
    if (auto e = call.interrupted("open", path)) {
        sftp_close(f);
        return *e;
    }
    return std::unique_ptr<ReadStream>(std::make_unique<SftpReadStream>(m_link, f, callContext(), path));
}

// ---- writing ----------------------------------------------------------------------------

namespace {

Result<void> rawResult(SftpLink& link, int status, const std::string& op,
                       const std::string& path, CallGuard& guard)
{
    if (auto broken = guard.end(op, path))
        return *broken;
    if (status < 0 || link.lost())
        return lostError(op, path);
    if (status != SSH_FX_OK)
        return statusError(status, op, path);
    return Ok{};
}

std::string attrsTimes(uint32_t atime, uint32_t mtime)
{
    std::string a;
    sftpwire::putU32(a, SSH_FILEXFER_ATTR_ACMODTIME);
    sftpwire::putU32(a, atime);
    sftpwire::putU32(a, mtime);
    return a;
}

} // namespace

Result<void> SftpBackend::renameAbs(const std::string& from, const std::string& to, const std::string& rel,
                                    bool replace, const char* op)
{
    auto link = linkFor(op, rel);
    if (!link)
        return link.error();
    if (replace && m_side->posixRename) {
        std::string payload;
        sftpwire::putString(payload, from);
        sftpwire::putString(payload, to);
        CallGuard guard(**link, callContext());
        const int status = (*link)->extendedStatus("posix-rename@openssh.com", payload);
        return rawResult(**link, status, op, rel, guard);
    }
    Call call(**link, callContext());
    if (sftp_rename((*link)->sftp(), from.c_str(), to.c_str()) != 0)
        return call.failure(op, rel);
    if (auto e = call.interrupted(op, rel))
        return *e;
    return Ok{};
}

Result<std::unique_ptr<TempFile>> SftpBackend::createTemp(const std::string& dir, uint32_t mode)
{
    const char* op = "create temporary file in";
    if (!dir.empty() && !relpath::isValidRelPath(dir))
        return invalidPath(op, dir);
    // As LocalBackend: never writable by others, nor setuid, while it is filled.
    const mode_t createMode = mode_t((mode & 0755) | 0600);
    auto link = linkFor(op, dir);
    if (!link)
        return link.error();
    for (int attempt = 0; attempt < 8; ++attempt) {
        const std::string rel = relpath::join(dir, tempname::make());
        const std::string where = abs(rel);
        Call call(**link, callContext());
        sftp_file f = sftp_open((*link)->sftp(), where.c_str(), O_WRONLY | O_CREAT | O_EXCL, createMode);
        if (f) {
            if (auto e = call.interrupted(op, dir)) {
                sftp_close(f);
                return *e;
            }
            auto temp = std::make_unique<SftpTempFile>(m_link, f, callContext(), rel, where, m_side->fsync);
            temp->m_side = m_side;
            if (m_side->statvfs) {
                std::weak_ptr<SftpLink> weak = m_link;
                const std::string folder = abs(dir);
                const CallContext context = callContext();
                temp->diskFull = [weak, folder, context] {
                    auto l = weak.lock();
                    if (!l || ready(*l, context, "write", folder))
                        return false;
                    CallGuard guard(*l, context);
                    sftp_statvfs_t v = sftp_statvfs(l->sftp(), folder.c_str());
                    if (!v)
                        return false;
                    const bool full = v->f_bavail == 0;
                    sftp_statvfs_free(v);
                    return full;
                };
            }
            return std::unique_ptr<TempFile>(std::move(temp));
        }
        Error e = call.failure(op, dir.empty() ? "." : dir);
        if (e.kind != Error::Kind::SkipItem || e.osError != 0)
            return e; // a missing folder (ENOENT), no permission, a lost connection
        // A failure without a reason: most likely the name was taken (EXCL).
        auto there = lstatAbs(where, rel, op);
        if (!there)
            return there.error();
        if (!*there)
            return e;
    }
    return Error::skipItem(op, dir, "no free temporary name");
}

Result<Entry> SftpBackend::commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs,
                                  uint32_t mode, bool mayReplace)
{
    auto* t = dynamic_cast<SftpTempFile*>(temp.get());
    if (!t)
        return Error::abortRun("create", path, "the temporary file was not written on this side");
    if (!relpath::isValidRelPath(path))
        return invalidPath("create", path);
    if (auto r = t->finish(path); !r)
        return r.error(); // the temporary goes with `temp`
    auto link = linkFor("create", path);
    if (!link)
        return link.error();
    const uint32_t seconds = secondsOf(mtimeNs);
    {
        // One request sets both; the mode is set exactly (no umask on setstat).
        sftp_attributes_struct attrs{};
        attrs.flags = SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME;
        attrs.permissions = mode & 07777;
        attrs.atime = attrs.mtime = seconds;
        attrs.atime64 = attrs.mtime64 = seconds;
        Call call(**link, callContext());
        if (sftp_setstat((*link)->sftp(), t->absPath().c_str(), &attrs) != 0)
            return call.failure("set time of", path);
    }
    auto appeared = [&]() -> std::optional<Error> {
        auto there = lstatAbs(abs(path), path, "create");
        if (!there)
            return there.error();
        if (*there)
            return Error::skipItem("create", path, "something appeared at this name since the scan, so it was left alone",
                                   "Run the sync again to pick up the change");
        return std::nullopt;
    };
    if (!mayReplace)
        if (auto e = appeared())
            return *e;
    if (auto r = renameAbs(t->absPath(), abs(path), path, mayReplace, mayReplace ? "replace" : "create"); !r) {
        if (!mayReplace && !connectionLost())
            if (auto e = appeared())
                return *e;
        return r.error();
    }
    t->setCommitted();
    Entry e;
    e.path = path;
    e.kind = EntryKind::File;
    e.size = t->size();
    e.mtimeNs = secondsToNs(seconds);
    e.mode = mode & 07777;
    return e;
}

Result<Entry> SftpBackend::rename(const std::string& from, const std::string& to)
{
    if (!relpath::isValidRelPath(from))
        return invalidPath("rename", from);
    if (!relpath::isValidRelPath(to))
        return invalidPath("rename", to);
    auto there = lstatAbs(abs(to), to, "rename");
    if (!there)
        return there.error();
    if (*there)
        return Error::skipItem("rename", from, "'" + to + "' already exists",
                               "Move the other item away, then run the sync again");
    if (auto r = renameAbs(abs(from), abs(to), from, false, "rename"); !r)
        return r.error();
    auto moved = lstatAbs(abs(to), to, "rename");
    if (!moved)
        return moved.error();
    if (!*moved)
        return errnoError("rename", to, ENOENT);
    return **moved;
}

Result<void> SftpBackend::removeFile(const std::string& path)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("delete", path);
    auto link = linkFor("delete", path);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    if (sftp_unlink((*link)->sftp(), abs(path).c_str()) != 0) {
        const int status = call.status();
        if ((status == SSH_FX_NO_SUCH_FILE || status == SSH_FX_NO_SUCH_PATH) && !call.interrupted("delete", path))
            return Ok{}; // already gone, with its folder
        return call.failure("delete", path);
    }
    if (auto e = call.interrupted("delete", path))
        return *e;
    return Ok{};
}

Result<void> SftpBackend::removeDir(const std::string& path)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("delete folder", path);
    auto link = linkFor("delete folder", path);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    if (sftp_rmdir((*link)->sftp(), abs(path).c_str()) != 0) {
        const int status = call.status();
        if ((status == SSH_FX_NO_SUCH_FILE || status == SSH_FX_NO_SUCH_PATH) && !call.interrupted("delete folder", path))
            return Ok{};
        Error e = call.failure("delete folder", path);
        if (status == SSH_FX_FAILURE && e.kind == Error::Kind::SkipItem) {
            e = errnoError("delete folder", path, ENOTEMPTY);
            e.detail = "the folder is not empty (or the server refused to remove it)";
        }
        return e;
    }
    if (auto e = call.interrupted("delete folder", path))
        return *e;
    return Ok{};
}

Result<Entry> SftpBackend::makeDir(const std::string& path, uint32_t mode)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("create folder", path);
    auto link = linkFor("create folder", path);
    if (!link)
        return link.error();
    std::optional<Error> failed;
    {
        Call call(**link, callContext());
        if (sftp_mkdir((*link)->sftp(), abs(path).c_str(), mode_t(mode ? mode & 07777 : 0777)) != 0)
            failed = call.failure("create folder", path);
        else if (auto e = call.interrupted("create folder", path))
            return *e;
    }
    if (failed && (connectionLost() || failed->kind == Error::Kind::Cancelled))
        return *failed;
    auto there = lstatAbs(abs(path), path, "create folder");
    if (!there)
        return there.error();
    if (*there && (*there)->kind == EntryKind::Directory)
        return **there; // made now, or already there
    if (failed)
        return *failed;
    return errnoError("create folder", path, ENOENT);
}

Result<Entry> SftpBackend::makeSymlink(const std::string& path, const std::string& target, int64_t mtimeNs)
{
    const char* op = "create symlink";
    if (!relpath::isValidRelPath(path))
        return invalidPath(op, path);
    auto link = linkFor(op, path);
    if (!link)
        return link.error();
    // Made under a temporary name, then renamed over the path.
    const std::string tmp = relpath::join(relpath::parent(path), tempname::make());
    {
        Call call(**link, callContext());
        // libssh swaps the arguments for OpenSSH, whose order is the reverse of the draft's.
        if (sftp_symlink((*link)->sftp(), target.c_str(), abs(tmp).c_str()) != 0)
            return call.failure(op, path);
        if (auto e = call.interrupted(op, path))
            return *e;
    }
    if (m_side->lsetstat) {
        std::string payload;
        sftpwire::putString(payload, abs(tmp));
        payload += attrsTimes(secondsOf(mtimeNs), secondsOf(mtimeNs));
        CallGuard guard(**link, callContext());
        const int status = (*link)->extendedStatus("lsetstat@openssh.com", payload);
        if (auto r = rawResult(**link, status, "set time of", path, guard); !r && connectionLost())
            return r.error();
    }
    if (!m_side->posixRename) {
        // No atomic replace on this server: the old link goes first.
        auto old = lstatAbs(abs(path), path, op);
        if (old && *old && (*old)->kind != EntryKind::Directory)
            (void)removeFile(path);
    }
    if (auto r = renameAbs(abs(tmp), abs(path), path, true, op); !r) {
        if (!connectionLost())
            (void)removeFile(tmp);
        return r.error();
    }
    auto made = lstatAbs(abs(path), path, op);
    if (!made)
        return made.error();
    if (!*made)
        return errnoError(op, path, ENOENT);
    return **made;
}

Result<Entry> SftpBackend::setTimes(const std::string& path, int64_t mtimeNs)
{
    const char* op = "set time of";
    if (!path.empty() && !relpath::isValidRelPath(path))
        return invalidPath(op, path);
    auto link = linkFor(op, path);
    if (!link)
        return link.error();
    const std::string where = abs(path);
    Attrs a;
    {
        Call call(**link, callContext());
        a.reset(sftp_lstat((*link)->sftp(), where.c_str()));
        if (!a)
            return call.failure(op, path);
    }
    Entry e = entryOf(path, *a);
    const uint32_t seconds = secondsOf(mtimeNs);
    const uint32_t atime = (a->flags & SSH_FILEXFER_ATTR_ACMODTIME) ? a->atime : seconds;
    if (e.kind == EntryKind::Symlink) {
        // SFTP's setstat follows links: only lsetstat@openssh.com sets the
        // link's own time. Without it the link keeps its time (the engine
        // compares links by target, not time).
        if (!m_side->lsetstat)
            return e;
        std::string payload;
        sftpwire::putString(payload, where);
        payload += attrsTimes(atime, seconds);
        CallGuard guard(**link, callContext());
        const int status = (*link)->extendedStatus("lsetstat@openssh.com", payload);
        if (auto r = rawResult(**link, status, op, path, guard); !r)
            return r.error();
    } else {
        sftp_attributes_struct attrs{};
        attrs.flags = SSH_FILEXFER_ATTR_ACMODTIME;
        attrs.atime = atime;
        attrs.mtime = seconds;
        attrs.atime64 = atime;
        attrs.mtime64 = seconds;
        Call call(**link, callContext());
        if (sftp_setstat((*link)->sftp(), where.c_str(), &attrs) != 0)
            return call.failure(op, path);
        if (auto err = call.interrupted(op, path))
            return *err;
    }
    e.mtimeNs = secondsToNs(seconds);
    return e;
}

Result<bool> SftpBackend::removeStaleTemp(const std::string& path)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("delete", path);
    auto st = stat(path);
    if (!st)
        return st.error();
    if (!*st || (*st)->kind == EntryKind::Directory || (*st)->kind == EntryKind::Special)
        return false;
    bool orphan = false;
    {
        std::lock_guard lock(m_side->mutex);
        auto it = std::find(m_side->orphans.begin(), m_side->orphans.end(), abs(path));
        if (it != m_side->orphans.end()) {
            orphan = true;
            m_side->orphans.erase(it);
        }
    }
    // Without locks over SFTP, a temporary of another run is told by its age:
    // a writer changes its time with every packet.
    const int64_t now = int64_t(::time(nullptr));
    const bool oldEnough = now - (*st)->mtimeNs / kNsPerSecond > 24 * 3600;
    if (!orphan && !oldEnough)
        return false;
    if (auto r = removeFile(path); !r)
        return r.error();
    return true;
}

// ---- versions ---------------------------------------------------------------------------------

Result<std::unique_ptr<Backend>> SftpBackend::versionsStore(const VersioningSettings& settings) const
{
    std::string folder = settings.serverFolder;
    if (folder.empty())
        return Error::abortRun("keep a version of", location(), "no versions folder is set for this server",
                               "Choose a versions folder on the server for this job");
    if (folder == "~" || folder.rfind("~/", 0) == 0)
        folder = "/" + folder;
    if (folder == "/~" || folder.rfind("/~/", 0) == 0)
        folder = m_side->home + folder.substr(2);
    else if (folder.front() != '/')
        folder = (m_side->home.empty() ? std::string() : m_side->home) + "/" + folder;
    // Over this session's connection: part of it (its bounds and its loss).
    auto store = std::unique_ptr<SftpBackend>(new SftpBackend(m_side, folder, m_link));
    store->setCallContext(callContext());
    return std::unique_ptr<Backend>(std::move(store));
}

std::optional<std::string> SftpBackend::placeOf(const Backend& other) const
{
    const auto* sftp = dynamic_cast<const SftpBackend*>(&other);
    if (!sftp)
        return std::nullopt;
    const Location& a = m_side->where;
    const Location& b = sftp->m_side->where;
    if (sftp->m_side != m_side && (a.host != b.host || a.port != b.port || a.user != b.user))
        return std::nullopt;
    const std::string& mine = m_root;
    const std::string& theirs = sftp->m_root;
    if (mine == theirs)
        return std::string();
    const std::string prefix = mine == "/" ? mine : mine + "/";
    if (theirs.size() > prefix.size() && theirs.compare(0, prefix.size(), prefix) == 0)
        return theirs.substr(prefix.size());
    return std::nullopt;
}

Result<void> SftpBackend::moveToStore(const std::string& path, Backend& store, const std::string& target)
{
    const char* op = "keep a version of";
    auto* other = dynamic_cast<SftpBackend*>(&store);
    if (!other || other->m_side != m_side)
        return errnoError(op, path, EXDEV);
    if (!relpath::isValidRelPath(path))
        return invalidPath(op, path);
    if (!relpath::isValidRelPath(target))
        return invalidPath(op, target);
    const std::string to = other->abs(target);
    auto there = lstatAbs(to, target, op);
    if (!there)
        return there.error();
    if (*there)
        return errnoError(op, path, EEXIST);
    auto moved = renameAbs(abs(path), to, path, false, op);
    if (moved || connectionLost() || moved.error().kind == Error::Kind::Cancelled)
        return moved;
    // Tell the documented cases apart: the store's folder missing (ENOENT),
    // the name taken meanwhile (EEXIST), another file system on the server (EXDEV).
    auto folder = lstatAbs(other->abs(std::string(relpath::parent(target))), target, op);
    if (folder && !*folder)
        return errnoError(op, path, ENOENT);
    auto taken = lstatAbs(to, target, op);
    if (taken && *taken)
        return errnoError(op, path, EEXIST);
    auto source = lstatAbs(abs(path), path, op);
    if (source && !*source)
        return errnoError(op, path, ENOENT);
    if (moved.error().osError == 0 && moved.error().kind == Error::Kind::SkipItem)
        return errnoError(op, path, EXDEV);
    return moved;
}

} // namespace ferry
