// TestSshd: a private OpenSSH sshd for one test, on 127.0.0.1 and a free
// port, with its own ed25519 host key, client key and config in a temporary
// folder (removed afterwards). Modelled on ../shared/recipes/start-sshd.sh.
//
// The client side it hands out (access()) is self-contained too: the
// client key, Ferry's known_hosts pre-filled with the host key, and an
// empty OpenSSH folder as sshDir, so no test ever reads the machine's real
// ~/.ssh.
//
// Runs as root here (then /run/sshd is made, as sshd needs it); as another
// user only that user can log in. A failure to start is a test failure
// (REQUIRE), with the sshd log in the message.
#pragma once

#include "backend/credentials.h"

#include <string>
#include <sys/types.h>
#include <vector>

namespace ferry::test {

struct SshdOptions {
    // Lines appended to sshd_config (sshd keeps the first value it reads of
    // an option, so only options the base config leaves out take effect).
    std::vector<std::string> extraConfig;
    // What `Subsystem sftp` runs: "internal-sftp", "/usr/lib/openssh/sftp-server",
    // or "" for no SFTP subsystem at all.
    std::string subsystem = "internal-sftp";
    // PasswordAuthentication yes, and the throwaway account passwordUser()
    // (made only as root; see canMakePasswordUser()).
    bool passwordAuth = false;
    // KbdInteractiveAuthentication yes and UsePAM yes (with passwordUser()).
    bool keyboardInteractive = false;
};

class TestSshd {
public:
    explicit TestSshd(SshdOptions options = {});
    ~TestSshd();
    TestSshd(const TestSshd&) = delete;
    TestSshd& operator=(const TestSshd&) = delete;

    int port() const { return m_port; }
    const std::string& dir() const { return m_dir; }
    // The user the client logs in as (the one running the tests).
    const std::string& user() const { return m_user; }
    std::string clientKey() const { return m_dir + "/client_ed25519"; }
    // The host key's fingerprint as `ssh-keygen -lf` prints it: "SHA256:…".
    std::string hostKeyFingerprint() const;
    // "[127.0.0.1]:<port> ssh-ed25519 AAAA…"
    std::string knownHostsLine() const;
    // sftp://<user>@127.0.0.1:<port><path>
    std::string url(const std::string& path) const;
    // The client side: identityFiles = {clientKey()}, ferryKnownHosts =
    // <dir>/ferry_known_hosts holding knownHostsLine(), sshDir = <dir>/dot-ssh
    // (empty). Password and prompts are left empty.
    RemoteAccess access() const;
    std::string ferryKnownHosts() const { return m_dir + "/ferry_known_hosts"; }
    std::string sshDir() const { return m_dir + "/dot-ssh"; }
    // A folder for the tests' data on the server side (the server sees the
    // same file system).
    std::string serverRoot() const { return m_dir + "/root"; }
    std::string log() const;

    // Stops the server (its sessions too) and starts it again on the same
    // port; with newHostKey it comes back with a new host key (for "the
    // host key changed").
    void restart(bool newHostKey = false);
    void stop();
    // The sshd processes below the listener: per client connection the
    // privileged monitor and the session process that runs SFTP. Kill them
    // to drop the connections; SIGSTOP them all for a server that stops
    // answering (SIGCONT before the destructor is not needed).
    std::vector<pid_t> sessionChildPids() const;
    // The listening sshd (-1 when stopped). It ends with the test process.
    pid_t listenerPid() const { return m_pid; }

    // Whether a throwaway password account can be made (only as root).
    static bool canMakePasswordUser();
    // With passwordAuth/keyboardInteractive as root: `ferry-sshtest`, with
    // a new random password each run, allowed by the server.
    const std::string& passwordUser() const { return m_passwordUser; }
    const std::string& password() const { return m_password; }

private:
    void start();
    void writeConfig();
    void makeHostKey();
    void makePasswordUser();
    void cleanUp();

    SshdOptions m_options;
    std::string m_dir;
    std::string m_user;
    std::string m_passwordUser;
    std::string m_password;
    int m_port = 0;
    pid_t m_pid = -1;
    int m_passwordLock = -1;
};

// Runs `command` through /bin/sh with stdin from /dev/null; returns its exit
// status, and its stdout in `out` when given.
int runShell(const std::string& command, std::string* out = nullptr);

} // namespace ferry::test
