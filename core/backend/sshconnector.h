// SshConnector: the steps of SshConnection::open() (sshconnection.h), one
// method each, sharing what earlier steps found (the host and user after
// ~/.ssh/config). Internal to the SFTP endpoint; one use, one thread.
#pragma once

#include "backend/sshconnection.h"

#include <libssh/callbacks.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <vector>

struct ssh_key_struct;

namespace ferry {

// The watcher of one connection (see "Bounded waits" in sshconnection.h).
using SshClock = std::chrono::steady_clock;

struct SshConnection::Watch {
    enum class Stop { None, Cancelled, TimedOut };

    std::mutex mutex;
    std::condition_variable wake;
    CallContext context;
    int fd = -1;
    bool inCall = false;
    bool idle = false; // waiting for a Call without a deadline
    bool stopping = false;
    Stop stoppedBy = Stop::None;
    SshClock::time_point callStart;
    std::thread thread;

    // Set while logging in: key files skipped because they need a passphrase.
    ssh_callbacks_struct callbacks{};
    ssh_session session = nullptr;
    std::vector<std::string> lockedKeys;

    bool running = false;

    // With the mutex held: runs the thread for a Call. It ends itself after
    // a while without Calls (a connection whose user bounds its calls
    // another way keeps no thread), and the next Call starts it again.
    void ensureRunning()
    {
        if (running || fd < 0 || stopping)
            return;
        if (thread.joinable())
            thread.join(); // it ended: it needs the mutex no more
        running = true;
        thread = std::thread([this] { run(); });
    }
    void stop()
    {
        {
            std::lock_guard lock(mutex);
            stopping = true;
        }
        wake.notify_all();
        if (thread.joinable())
            thread.join();
    }
    Stop stopReason()
    {
        std::lock_guard lock(mutex);
        return stoppedBy;
    }
    // Cuts the connection: the blocked libssh call fails (shutdown, not
    // close: the descriptor stays libssh's, so it cannot be reused under it).
    void cut(Stop why)
    {
        stoppedBy = why;
        if (fd >= 0)
            ::shutdown(fd, SHUT_RDWR);
    }
    void run()
    {
        std::unique_lock lock(mutex);
        while (!stopping) {
            if (!inCall || stoppedBy != Stop::None) {
                idle = true; // the next Call wakes us; until then no ticks
                bool called = wake.wait_for(lock, std::chrono::seconds(2), [this] {
                    return stopping || (inCall && stoppedBy == Stop::None);
                });
                idle = false;
                if (!called)
                    break;
                continue;
            }
            // The token has no callback: poll it while a call waits.
            SshClock::time_point next = SshClock::now() + std::chrono::milliseconds(50);
            if (context.cancel.isCancelled()) {
                cut(Stop::Cancelled);
                continue;
            }
            if (context.timeout.count() > 0) {
                SshClock::time_point deadline = callStart + context.timeout;
                if (SshClock::now() >= deadline) {
                    cut(Stop::TimedOut);
                    continue;
                }
                next = std::min(next, deadline);
            }
            wake.wait_until(lock, next);
        }
        running = false;
    }
};

class SshConnector {
public:
    SshConnector(const Location& where, const RemoteAccess& access, const CallContext& context,
                 const std::string& pinnedFingerprint);
    Result<std::unique_ptr<SshConnection>> run();

private:
    Result<void> configure();
    Result<void> connect();
    Result<void> checkHostKey();
    Result<void> logIn();
    Result<void> startSftp();

    Error connectError(const std::string& libsshError) const;
    Result<void> confirmNewHostKey(ssh_key_struct* key, const std::string& hostPort, bool otherTypesKnown);
    Error hostKeyChanged(const std::string& file, int line, const std::string& hostPort) const;
    // The login steps (sshlogin.cpp).
    enum class Step { Done, Refused };
    Result<Step> tryKeys();
    Result<Step> tryPasswords();
    Result<Step> tryPassword(const std::string& password);
    Result<Step> tryKeyboardInteractive(const std::string& password);
    Error loginFailed(int rc, const std::string& method) const;
    Error loginRefused() const;
    static int refusePassphrase(const char* prompt, char* buf, size_t len, int echo, int verify, void* userdata);
    // "me@host" or "me@host port 2222"
    std::string who() const;

    Location m_where;
    RemoteAccess m_access;
    CallContext m_context;
    std::string m_pinned;
    std::string m_sshDir;
    std::string m_ferryKnownHosts;
    std::string m_host;
    int m_port = 22;
    std::string m_user;
    std::string m_op;
    std::vector<std::string> m_tried; // login methods, for the refusal's message
    bool m_passwordTried = false;
    ssh_session_struct* m_session = nullptr;
    std::unique_ptr<SshConnection> m_connection;
};

// "2 s", "1500 ms"
std::string sshSeconds(std::chrono::milliseconds ms);
// libssh's own timeout for its blocking waits.
void sshSetTimeout(ssh_session_struct* session, std::chrono::milliseconds timeout);

} // namespace ferry
