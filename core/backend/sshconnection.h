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
//      key refused carries Error::Code::HostKeyUnknown and the fingerprint; `pinnedFingerprint` (the key the run's first
//      session saw) must match exactly, so a key cannot change within a run;
//   3. login: "none", then the agent, the job's key files, ~/.ssh's keys,
//      then password / keyboard-interactive with access.credentials or
//      access.password() (asked once). A refused login is AbortRun with Code::LoginRefused (never
//      retried: repeated failures lock accounts); an unreachable host, a
//      refused connection or a timeout is Retry;
//   4. TCP_NODELAY, the call timeout as libssh's timeout, and the SFTP
//      subsystem (which extensions the server offers is kept).
//
// Thread-safety: one thread at a time (as every Backend session).
#pragma once

#include "backend/backend.h"
#include "backend/credentials.h"
#include "common/error.h"
#include "model/location.h"

#include <memory>
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

private:
    SshConnection() = default;
    ssh_session_struct* m_ssh = nullptr;
    sftp_session_struct* m_sftp = nullptr;
    HostKeyFacts m_hostKey;
    std::string m_user;
    bool m_lost = false;
};

// Checks that `where` can be reached and logged in to and its folder
// listed (the wizard's "Test connection" and the remote folder browser).
// Returns what the user should read: "Connected as me to 127.0.0.1; the
// folder /srv/docs exists (12 items)" or the error with its next step.
Result<std::string> testSshConnection(const Location& where, const RemoteAccess& access,
                                      const CallContext& context);

} // namespace ferry
