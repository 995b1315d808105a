// SshConnection: one logged-in SSH connection with its SFTP channel, on
// libssh 0.10. SftpBackend sessions each own one; nothing else in Ferry
// talks to libssh.
//
// open() does, within the CallContext (timeout per network wait, cancel):
//   1. where: the Location's host, port and user, through the user's
//      ~/.ssh/config (Host aliases, HostName, Port, User, IdentityFile,
//      ProxyJump as far as libssh supports it); the Location's own port and
//      user win over the config's;
//   2. the host key: checked against ~/.ssh/known_hosts (and the system's),
//      then Ferry's own known_hosts. A key no file knows goes to
//      access.confirmHostKey (none: refused, AbortRun with the fingerprint and
//      the next step); AcceptAndRemember writes it to Ferry's file. A key that
//      differs from a known one is a changed host key: always refused, an
//      AbortRun with Error::Code::HostKeyChanged (a safety stop, exit 4)
//      whose message says what may be going on and how to check; an unknown
//      key refused carries Error::Code::HostKeyUnknown and the fingerprint;
//      `pinnedFingerprint` (the key the run's first session saw) must match
//      exactly, so a key cannot change within a run, and a matching key needs
//      no second confirmation (a key accepted once serves the whole run);
//   3. login: "none", then the agent, the job's key files, ~/.ssh's keys,
//      then password / keyboard-interactive with access.credentials or
//      access.password() (asked once, also after a wrong saved password).
//      A refused login is AbortRun with Code::LoginRefused (never retried:
//      repeated failures lock accounts); an unreachable host, a refused
//      connection or a timeout is Retry; cancelled is Error::cancelled();
//   4. TCP_NODELAY, the call timeout as libssh's timeout, and the SFTP
//      subsystem (which extensions the server offers is kept).
//
// Bounded waits: libssh 0.10's SFTP calls retry its own timeout for ever
// (sftp_packet_read loops while the channel is open), so a server that
// stops answering would hang them. Each connection therefore has a watcher
// thread: while a Call (beginCall()) is alive, it shuts the socket down
// when the CallContext's cancel token is set or the call has waited
// longer than the timeout; the blocked libssh call then fails at once,
// the connection counts as lost(), and brokenBy() says why. The watcher
// sleeps while no Call is alive (costs nothing between calls). open() and
// testSshConnection() use Calls themselves; SftpBackend wraps every
// request (each block of a transfer) in one.
//
// What libssh 0.10 allows, and where this differs from OpenSSH's client:
//   - ProxyJump: libssh turns it into `ProxyCommand ssh -W [%h]:%p jump`,
//     so the jump hop is OpenSSH's own client with its own config and
//     known_hosts; a ProxyCommand works as such.
//   - The system's /etc/ssh/ssh_config is not read (libssh's own reading of
//     configs is off): the user's config is the one that counts.
//   - The system's known_hosts (/etc/ssh/ssh_known_hosts) is read only with
//     the real OpenSSH folder (access.sshDir empty): a job or test with an
//     sshDir of its own is self-contained. An @revoked or @cert-authority
//     line vouches for nothing (a key known only that way is unknown).
//   - Key files with a passphrase are not unlocked (there is nobody to ask
//     on a scheduled run): they belong in the agent, and a refused login
//     says so. libssh writes a missing <key>.pub next to a key it tried.
//   - Cancelling and the timeout are checked while connecting, except
//     during the host name lookup (getaddrinfo cannot be interrupted).
//
// Thread-safety: one thread at a time (as every Backend session), except
// the CallContext's cancel token, which another thread may set.
#pragma once

#include "backend/backend.h"
#include "backend/credentials.h"
#include "common/error.h"
#include "model/location.h"

#include <memory>
#include <optional>
#include <string>

struct ssh_session_struct;
struct sftp_session_struct;

namespace ferry {

class SshConnection {
public:
    static Result<std::unique_ptr<SshConnection>> open(const Location& where, const RemoteAccess& access,
                                                      const CallContext& context,
                                                      const std::string& pinnedFingerprint = {});
    ~SshConnection();
    SshConnection(const SshConnection&) = delete;
    SshConnection& operator=(const SshConnection&) = delete;

    ssh_session_struct* ssh() const { return m_ssh; }
    sftp_session_struct* sftp() const { return m_sftp; }
    // The server's host key, "SHA256:…", and where it was found/recorded.
    const HostKeyFacts& hostKey() const { return m_hostKey; }
    // The user actually logged in as and the host actually reached.
    const std::string& user() const { return m_user; }
    // Whether the server's SFTP offers an extension ("posix-rename@openssh.com", "1").
    bool hasExtension(const std::string& name) const;
    // The bounds of later calls (the pool's CallContext with each lease).
    void setCallContext(const CallContext& context);
    // Whether the connection broke (timed out, closed, killed).
    bool lost() const;
    void markLost() { m_lost = true; }

    // One bounded call (see "Bounded waits" above): alive while the call
    // runs; `auto call = connection.beginCall();` before each libssh/SFTP
    // request. Not nested. Cheap: a mutex, and a wake-up of the watcher only
    // when it sleeps without a deadline.
    class Call {
    public:
        explicit Call(SshConnection* connection) : m_connection(connection) {}
        Call(Call&& other) noexcept : m_connection(other.m_connection) { other.m_connection = nullptr; }
        Call& operator=(Call&&) = delete;
        ~Call();

    private:
        SshConnection* m_connection;
    };
    [[nodiscard]] Call beginCall();
    // Why calls fail now, when it is not the server's answer: cancelled
    // (Error::cancelled()), no answer in time (Retry, "the server … did not
    // answer within 60 s; the connection was dropped"), or the connection
    // broken (Retry, "the connection to host was lost").
    // nullopt while the connection is fine: then a failed SFTP call is the
    // server's answer (sftp_get_error).
    std::optional<Error> brokenBy(const std::string& op, const std::string& path) const;

private:
    friend class SshConnector;
    struct Watch;
    SshConnection();
    void endCall();
    ssh_session_struct* m_ssh = nullptr;
    sftp_session_struct* m_sftp = nullptr;
    HostKeyFacts m_hostKey;
    std::string m_user;
    bool m_lost = false;
    std::unique_ptr<Watch> m_watch;
};

// Checks that `where` can be reached and logged in to and its folder
// listed (the wizard's "Test connection" and the remote folder browser).
// Returns what the user should read: "Connected to 127.0.0.1 as me;
// /srv/docs is a folder with 12 items" (or "is an empty folder", or "does
// not exist yet: it will be created on the first run"), or the error with
// its next step (a path that is a file, or cannot be read, is an error).
Result<std::string> testSshConnection(const Location& where, const RemoteAccess& access,
                                      const CallContext& context);

} // namespace ferry
