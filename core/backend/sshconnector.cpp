// SshConnection::open(): the steps of sshconnection.h in order, each a
// method of SshConnector. The login (sshlogin.cpp) is its own file.
#include "backend/sshconnector.h"

#include "backend/sshknownhosts.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <QStandardPaths>

#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <pwd.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace ferry {


namespace {

bool fileExists(const std::string& path)
{
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

std::string homeFolder()
{
    const char* home = std::getenv("HOME");
    if (home && *home)
        return home;
    const passwd* pw = ::getpwuid(::getuid());
    return pw && pw->pw_dir ? pw->pw_dir : "";
}

std::string localUserName()
{
    const passwd* pw = ::getpwuid(::getuid());
    return pw ? pw->pw_name : "";
}

std::string defaultFerryKnownHosts()
{
    QString dir = qEnvironmentVariable("FERRY_DATA_DIR");
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return dir.toStdString() + "/known_hosts";
}

std::string optionText(ssh_session session, ssh_options_e option)
{
    char* value = nullptr;
    if (ssh_options_get(session, option, &value) != SSH_OK || !value)
        return {};
    std::string result = value;
    ssh_string_free_char(value);
    return result;
}

} // namespace

std::string sshSeconds(std::chrono::milliseconds ms)
{
    if (ms.count() % 1000 == 0)
        return std::to_string(ms.count() / 1000) + " s";
    return std::to_string(ms.count()) + " ms";
}

void sshSetTimeout(ssh_session session, std::chrono::milliseconds timeout)
{
    long sec = static_cast<long>(timeout.count() / 1000);
    long usec = static_cast<long>(timeout.count() % 1000) * 1000;
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &sec);
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT_USEC, &usec);
}

SshConnector::SshConnector(const Location& where, const RemoteAccess& access, const CallContext& context,
                           const std::string& pinnedFingerprint)
    : m_where(where), m_access(access), m_context(context), m_pinned(pinnedFingerprint)
{
    m_sshDir = access.sshDir.empty() ? homeFolder() + "/.ssh" : access.sshDir;
    m_ferryKnownHosts = access.ferryKnownHosts.empty() ? defaultFerryKnownHosts() : access.ferryKnownHosts;
}

Result<std::unique_ptr<SshConnection>> SshConnector::run()
{
    m_connection.reset(new SshConnection());
    m_connection->m_watch->context = m_context;
    if (m_context.cancel.isCancelled())
        return Error::cancelled();
    if (auto r = configure(); !r)
        return r.error();
    if (auto r = connect(); !r)
        return r.error();
    if (auto r = checkHostKey(); !r)
        return r.error();
    if (auto r = logIn(); !r)
        return r.error();
    if (auto r = startSftp(); !r)
        return r.error();
    return std::move(m_connection);
}

std::string SshConnector::who() const
{
    std::string text = m_user + "@" + m_host;
    if (m_port != 22)
        text += " port " + std::to_string(m_port);
    return text;
}

Result<void> SshConnector::configure()
{
    ssh_session s = ssh_new();
    if (!s)
        return Error::abortRun("connect", m_where.host, "out of memory");
    m_connection->m_ssh = s;
    m_session = s;

    int verbosity = SSH_LOG_NOLOG;
    ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
    // libssh would read ~/.ssh/config and /etc/ssh/ssh_config on its own:
    // we read the one of access.sshDir only (tests never see the real one).
    bool processConfig = false;
    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &processConfig);
    ssh_options_set(s, SSH_OPTIONS_SSH_DIR, m_sshDir.c_str()); // %d: the default id_* keys
    ssh_options_set(s, SSH_OPTIONS_HOST, m_where.host.c_str());
    // Set before the config is read: libssh takes its User only when none is set.
    if (!m_where.user.empty())
        ssh_options_set(s, SSH_OPTIONS_USER, m_where.user.c_str());

    std::string config = m_sshDir + "/config";
    if (fileExists(config) && ssh_options_parse_config(s, config.c_str()) < 0)
        return Error::abortRun("read the SSH settings", config, ssh_get_error(s),
                               "Correct the entry for " + m_where.host + " in this file (ssh -G " + m_where.host +
                                   " shows how OpenSSH reads it), then try again");
    // The config's Port replaces any set before: the Location's wins, so set it after.
    if (m_where.port > 0) {
        unsigned int port = static_cast<unsigned int>(m_where.port);
        ssh_options_set(s, SSH_OPTIONS_PORT, &port);
    }
    m_host = optionText(s, SSH_OPTIONS_HOST);
    unsigned int port = 22;
    if (ssh_options_get_port(s, &port) != SSH_OK || port == 0)
        port = 22;
    m_port = static_cast<int>(port);
    m_user = optionText(s, SSH_OPTIONS_USER);
    if (m_user.empty())
        m_user = localUserName();
    ssh_options_set(s, SSH_OPTIONS_USER, m_user.c_str());
    m_op = "connect to " + who();
    m_connection->m_user = m_user;

    // These two only steer which host key type libssh asks for (the types
    // already recorded first, as OpenSSH does); checkHostKey() does the check.
    std::string userKnownHosts = m_sshDir + "/known_hosts";
    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, userKnownHosts.c_str());
    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, m_ferryKnownHosts.c_str());

    int noDelay = 1; // else ~30 ms per small write (Nagle + delayed ACK)
    ssh_options_set(s, SSH_OPTIONS_NODELAY, &noDelay);
    sshSetTimeout(s, m_context.timeout);

    // The job's key files come first among the keys (IDENTITY prepends,
    // so in reverse), then the config's IdentityFile, then sshDir's id_*.
    for (auto it = m_access.identityFiles.rbegin(); it != m_access.identityFiles.rend(); ++it)
        ssh_options_set(s, SSH_OPTIONS_IDENTITY, it->c_str());
    return Ok{};
}

Result<void> SshConnector::connect()
{
    // Non-blocking, so that the token and the deadline are checked while
    // the TCP connection and the key exchange wait on the far end.
    ssh_session s = m_session;
    ssh_set_blocking(s, 0);
    const bool bounded = m_context.timeout.count() > 0;
    const SshClock::time_point deadline = SshClock::now() + m_context.timeout;
    for (;;) {
        int rc = ssh_connect(s);
        if (rc == SSH_OK)
            break;
        if (rc == SSH_ERROR)
            return connectError(ssh_get_error(s));
        if (m_context.cancel.isCancelled())
            return Error::cancelled();
        if (bounded && SshClock::now() >= deadline)
            return Error::retry(m_op, {},
                                "no answer from " + m_host + " port " + std::to_string(m_port) + " within " +
                                    sshSeconds(m_context.timeout),
                                "Check the host name and port, and that the server is up and reachable from "
                                "this computer, then try again");
        int fd = ssh_get_fd(s);
        if (fd >= 0) {
            pollfd p{fd, POLLIN, 0};
            ::poll(&p, 1, 5);
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    ssh_set_blocking(s, 1);
    m_connection->m_watch->fd = ssh_get_fd(s); // before any Call: the watcher's thread reads it
    return Ok{};
}

Error SshConnector::connectError(const std::string& libsshError) const
{
    if (m_context.cancel.isCancelled())
        return Error::cancelled();
    const std::string where = m_host + " port " + std::to_string(m_port);
    if (libsshError.find("refused") != std::string::npos)
        return Error::retry(m_op, {}, "the connection was refused: no SSH server answers on " + where,
                            "Check the port number and that the SSH server runs on that computer, then try again");
    if (libsshError.find("resolve") != std::string::npos)
        return Error::retry(m_op, {}, "the host name " + m_host + " was not found (" + libsshError + ")",
                            "Check the host name and this computer's network connection, then try again");
    if (libsshError.find("unreachable") != std::string::npos || libsshError.find("No route") != std::string::npos)
        return Error::retry(m_op, {}, where + " cannot be reached (" + libsshError + ")",
                            "Check this computer's network connection and the host name, then try again");
    if (libsshError.find("exchange") != std::string::npos || libsshError.find("algorithm") != std::string::npos ||
        libsshError.find("match") != std::string::npos)
        return Error::abortRun(m_op, {}, "the server and Ferry have no encryption method in common (" +
                                             libsshError + ")",
                               "Ask the server's administrator to allow current SSH algorithms");
    return Error::retry(m_op, {}, libsshError.empty() ? std::string("the connection failed") : libsshError,
                        "Check the host name, the port and the network, then try again");
}

Result<void> SshConnector::checkHostKey()
{
    ssh_key raw = nullptr;
    if (ssh_get_server_publickey(m_session, &raw) != SSH_OK || !raw)
        return Error::abortRun(m_op, {}, "the server sent no host key", "Check that this is an SSH server");
    std::unique_ptr<ssh_key_struct, void (*)(ssh_key)> key(raw, ssh_key_free);

    HostKeyFacts& facts = m_connection->m_hostKey;
    facts.host = m_host;
    facts.port = m_port;
    facts.keyType = sshknownhosts::keyType(raw);
    facts.fingerprint = sshknownhosts::fingerprint(raw);
    facts.recordIn = m_ferryKnownHosts;
    const std::string hostPort = sshknownhosts::hostPort(m_host, m_port);

    std::vector<std::string> files{m_sshDir + "/known_hosts"};
    // The system's file belongs to the real OpenSSH folder; a job or test
    // with a folder of its own is self-contained.
    if (m_access.sshDir.empty())
        files.push_back("/etc/ssh/ssh_known_hosts");
    files.push_back(m_ferryKnownHosts);
    sshknownhosts::Lookup found = sshknownhosts::lookup(files, hostPort, raw);

    if (found.state == sshknownhosts::Lookup::State::Changed)
        return hostKeyChanged(found.file, found.line, hostPort);
    if (!m_pinned.empty()) {
        // The run's first session saw (and the user accepted) the key; a
        // different one now is a change within the run.
        if (facts.fingerprint != m_pinned)
            return hostKeyChanged({}, 0, hostPort);
        if (found.state == sshknownhosts::Lookup::State::Known)
            facts.recordIn = found.file;
        return Ok{};
    }
    if (found.state == sshknownhosts::Lookup::State::Known) {
        facts.recordIn = found.file;
        return Ok{};
    }
    return confirmNewHostKey(raw, hostPort, found.otherTypesKnown);
}

Result<void> SshConnector::confirmNewHostKey(ssh_key key, const std::string& hostPort, bool otherTypesKnown)
{
    const HostKeyFacts& facts = m_connection->m_hostKey;
    const std::string what = "the server's host key is not known yet: " + facts.fingerprint + " (" +
                             facts.keyType + ")" +
                             (otherTypesKnown ? "; keys of other types are recorded for " + hostPort : "");
    const std::string check = "To check it, ask the server's administrator for its fingerprint (on the server: "
                              "ssh-keygen -lf /etc/ssh/ssh_host_" +
                              std::string(facts.keyType == "ssh-ed25519" ? "ed25519" : "*") + "_key.pub)";
    if (!m_access.confirmHostKey) {
        Error e = Error::abortRun(m_op, {}, what,
                                  check + ". If it matches, accept the key: run ferry-cli again with "
                                          "--accept-new-host-key, or connect once from Ferry's window");
        e.code = Error::Code::HostKeyUnknown;
        return e;
    }
    HostKeyChoice choice = m_access.confirmHostKey(facts);
    if (choice == HostKeyChoice::Refuse) {
        Error e = Error::abortRun(m_op, {}, what + ", and it was not accepted",
                                  check + ". If it matches, connect again and accept it");
        e.code = Error::Code::HostKeyUnknown;
        return e;
    }
    if (choice == HostKeyChoice::AcceptAndRemember) {
        if (auto r = sshknownhosts::recordHostKey(m_ferryKnownHosts, hostPort, key); !r)
            return r.error();
    }
    return Ok{};
}

Error SshConnector::hostKeyChanged(const std::string& file, int line, const std::string& hostPort) const
{
    const HostKeyFacts& facts = m_connection->m_hostKey;
    std::string detail = "the server's host key has changed: it is " + facts.fingerprint + " (" + facts.keyType +
                         ") now, ";
    if (file.empty())
        detail += "but this run started with " + m_pinned;
    else
        detail += "but line " + std::to_string(line) + " of " + file + " records a different key for " + hostPort;
    std::string next =
        "This happens when the server was reinstalled or given new keys, but it can also mean that someone is "
        "intercepting the connection (a man-in-the-middle attack), so Ferry does not connect. Ask the server's "
        "administrator for its key fingerprint (on the server: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub)";
    if (file.empty())
        next += ", then run again";
    else
        next += ". Only if it is " + facts.fingerprint + ", remove the old key (line " + std::to_string(line) +
                " of " + file + ", or run: ssh-keygen -R '" + hostPort + "' -f " + file +
                ") and connect again to accept the new one";
    Error e = Error::abortRun(m_op, {}, detail, next);
    e.code = Error::Code::HostKeyChanged;
    return e;
}

Result<void> SshConnector::startSftp()
{
    SshConnection& c = *m_connection;
    auto call = c.beginCall();
    c.m_sftp = sftp_new(m_session);
    if (!c.m_sftp) {
        if (auto broken = c.brokenBy(m_op, {}))
            return *broken;
        return Error::abortRun(m_op, {}, std::string("the server offers no SFTP (") + ssh_get_error(m_session) + ")",
                               "Ask the server's administrator to enable SFTP (Subsystem sftp in sshd_config)");
    }
    if (sftp_init(c.m_sftp) != SSH_OK) {
        if (auto broken = c.brokenBy(m_op, {}))
            return *broken;
        return Error::abortRun(m_op, {},
                               "the server's SFTP did not start (error " + std::to_string(sftp_get_error(c.m_sftp)) +
                                   ")",
                               "Check that the account can use SFTP (its login shell must not print anything)");
    }
    return Ok{};
}

Result<std::unique_ptr<SshConnection>> SshConnection::open(const Location& where, const RemoteAccess& access,
                                                          const CallContext& context,
                                                          const std::string& pinnedFingerprint)
{
    SshConnector connector(where, access, context, pinnedFingerprint);
    return connector.run();
}

} // namespace ferry
