// SftpBackend's streams: reads with requests in flight, and temporary
// files written in pipelined packets. Internal to the SFTP backend (used by
// sftpbackend.cpp only).
#pragma once

#include "backend/sftpdetail.h"

#include <chrono>
#include <cstring>
#include <deque>
#include <functional>
#include <map>

namespace ferry {

using namespace sftpdetail;

// What a stream's clean-up (closing, removing a temporary) runs within: not
// the run's cancel, which would drop a sound connection, and a short bound.
inline CallContext cleanupContext(const CallContext& context)
{
    const std::chrono::milliseconds cap = std::chrono::seconds(5);
    return CallContext{CancelToken{}, context.timeout.count() > 0 ? std::min(context.timeout, cap) : cap};
}

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
        m_context = cleanupContext(m_context);
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
            if (auto e = ready(*m_link, m_context, "read", m_path, m_drain))
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
        // Cleaned up even when the run was cancelled (the link is still
        // sound then), within a short bound of its own.
        m_context = cleanupContext(m_context);
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
    // Everything written reaches the server, is made durable where the
    // server can (fsync@openssh.com), gets its mode and time (whole seconds),
    // and the handle is closed. The last write, the fsync and the fsetstat go
    // in one batch of raw requests: one round trip. Errors name `path`.
    Result<void> finish(const std::string& path, uint32_t mode, uint32_t seconds)
    {
        if (!m_error && !m_buffer.empty())
            (void)sendBuffer();
        uint32_t fsyncId = 0, setstatId = 0;
        if (!m_error && !m_link->lost()) {
            const std::string handle(static_cast<const char*>(ssh_string_data(m_file->handle)),
                                     ssh_string_len(m_file->handle));
            CallGuard guard(*m_link, m_context);
            if (m_fsync) {
                std::string body;
                sftpwire::putString(body, "fsync@openssh.com");
                sftpwire::putString(body, handle);
                fsyncId = m_link->sendRaw(kFxpExtended, body);
            }
            std::string attrs;
            sftpwire::putString(attrs, handle);
            sftpwire::putU32(attrs, SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME);
            sftpwire::putU32(attrs, mode & 07777);
            sftpwire::putU32(attrs, seconds);
            sftpwire::putU32(attrs, seconds);
            setstatId = m_link->sendRaw(kFxpFsetstat, attrs);
            (void)guardError(guard);
        }
        awaitAll();
        for (uint32_t id : {fsyncId, setstatId}) {
            if (!id || m_link->lost())
                continue;
            CallGuard guard(*m_link, m_context);
            const int status = m_link->awaitStatus(id);
            if (guardError(guard) || m_error)
                continue;
            if (status < 0)
                m_error = lostError("write", m_rel);
            else if (status != SSH_FX_OK)
                m_error = id == fsyncId ? writeFailure(statusError(status, "write", m_rel))
                                        : statusError(status, "set time of", m_rel);
        }
        if (!m_error && (m_link->lost() || (m_fsync && !fsyncId) || !setstatId))
            m_error = lostError("write", m_rel);
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

} // namespace ferry
