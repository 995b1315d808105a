// SftpLink: one SSH connection's SFTP channel as SftpBackend's sessions and
// versions stores share it, with what libssh 0.10 lacks around it:
//
// - bounds per call: a CallGuard is one SshConnection::Call (whose watcher
//   shuts the socket down when the call's CallContext is cancelled or its
//   timeout passes), with the session's current CallContext; end() says why
//   a call was cut short, and the link then counts as lost.
// - OpenSSH extensions that libssh 0.10 has no call for
//   (posix-rename@openssh.com, lsetstat@openssh.com) and pipelined writes:
//   sent and answered directly on the channel (raw requests). libssh drops an
//   answer to a request it did not send itself, so raw requests are made only
//   while libssh has nothing in flight on the channel: open read streams
//   first collect their read-ahead (quiesce()); and a libssh call is made only
//   after the raw requests in flight were answered (settleRaw()).
//
// Thread-safety: one thread at a time (as every Backend session); the
// watchdog's own thread only shuts sockets down.
#pragma once

#include "backend/backend.h"
#include "backend/sshconnection.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

class SftpLink {
public:
    explicit SftpLink(std::unique_ptr<SshConnection> connection);
    ~SftpLink();
    SftpLink(const SftpLink&) = delete;
    SftpLink& operator=(const SftpLink&) = delete;

    SshConnection& connection() { return *m_connection; }
    sftp_session_struct* sftp() const { return m_connection->sftp(); }
    bool lost() const { return m_lost || m_connection->lost(); }
    void markLost();

    // A read stream with requests in flight registers how to collect them
    // (its read-ahead is kept and asked for again later).
    using Drain = std::function<void()>;
    int addDrain(Drain drain);
    void removeDrain(int id);
    // Before a raw request or a libssh call: libssh has nothing in flight
    // afterwards (but the reads of drain `except`, a stream's own).
    void quiesce(int except = 0);

    // Raw requests. send() returns the request id, 0 when the channel failed
    // (the link is then lost). A status answer is collected by awaitStatus()
    // in any order; every id sent must be awaited (or the link dropped).
    uint32_t sendRaw(uint8_t type, const std::string& payload);
    // The SFTP status code of answer `id` (0: OK), -1 when the channel failed
    // or the answer was not a status.
    int awaitStatus(uint32_t id, std::string* message = nullptr);
    // Answer `id` whatever its type (its body after the id); false when the
    // channel failed (the link is then lost).
    bool awaitPacket(uint32_t id, uint8_t& type, std::string& body);
    // Raw requests not answered yet.
    size_t rawInFlight() const { return m_rawPending.size(); }
    // Collects every raw answer still due (before a libssh call); false when
    // the channel failed. Statuses of requests nobody awaits are dropped:
    // their owners await them first.
    bool settleRaw();
    // An extended request (SSH_FXP_EXTENDED) `name` answered by a status.
    int extendedStatus(const std::string& name, const std::string& payload, std::string* message = nullptr);

private:
    bool readPacket(uint8_t& type, std::string& body);
    std::unique_ptr<SshConnection> m_connection;
    bool m_lost = false;
    int m_nextDrain = 0;
    std::vector<std::pair<int, Drain>> m_drains;
    struct Answer {
        uint32_t id;
        uint8_t type;
        std::string body; // after the id
    };
    std::vector<uint32_t> m_rawPending;
    std::deque<Answer> m_answers; // arrived, not yet awaited
};

// SFTP wire encoding for raw requests.
namespace sftpwire {
void putU32(std::string& out, uint32_t v);
void putU64(std::string& out, uint64_t v);
void putString(std::string& out, const std::string& s);
} // namespace sftpwire

// Bounds one blocking call on `link` by `context` (see SftpLink). end()
// ends the call and returns why it failed when that was not the server's
// answer (cancelled, timed out, the connection broken; the link is lost
// then); the destructor ends it too.
class CallGuard {
public:
    CallGuard(SftpLink& link, const CallContext& context);
    CallGuard(const CallGuard&) = delete;
    CallGuard& operator=(const CallGuard&) = delete;
    std::optional<Error> end(const std::string& op, const std::string& path);

private:
    SftpLink& m_link;
    std::optional<SshConnection::Call> m_call;
};

} // namespace ferry
