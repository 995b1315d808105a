// SshConnection against a real OpenSSH sshd (tests/sftp/sshd.h): where to
// connect (~/.ssh/config), host keys, the login methods, errors, bounded
// waits and cancelling.
#include "backend/sshconnection.h"
#include "sftp/sshd.h"
#include "unit/tempdir.h"

#include <catch2/catch.hpp>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

Location locationOf(const TestSshd& sshd, const std::string& path = "/")
{
    Result<Location> where = Location::parse(sshd.url(path));
    REQUIRE(where.ok());
    return *where;
}

Location locationAt(const std::string& user, int port, const std::string& host = "127.0.0.1")
{
    Location where;
    where.scheme = Location::Scheme::Sftp;
    where.user = user;
    where.host = host;
    where.port = port;
    where.path = "/";
    return where;
}

CallContext within(std::chrono::milliseconds timeout = 10s)
{
    CallContext context;
    context.timeout = timeout;
    return context;
}

std::string readAll(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

// Sets (or with nullptr unsets) an environment variable for one test.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : m_name(name)
    {
        if (const char* old = std::getenv(name))
            m_old = old;
        m_had = std::getenv(name) != nullptr;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv()
    {
        if (m_had)
            ::setenv(m_name.c_str(), m_old.c_str(), 1);
        else
            ::unsetenv(m_name.c_str());
    }

private:
    std::string m_name, m_old;
    bool m_had = false;
};

// A TCP port that takes connections (the kernel's backlog) and never says
// a word: a server that hangs before the SSH banner.
class SilentServer {
public:
    SilentServer()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_fd >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(m_fd, 8) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        m_port = ntohs(addr.sin_port);
    }
    ~SilentServer() { ::close(m_fd); }
    int port() const { return m_port; }

private:
    int m_fd = -1;
    int m_port = 0;
};

int closedPort()
{
    SilentServer s;
    return s.port(); // closed when s goes
}

std::string makeKey(const std::string& path, const std::string& passphrase = {})
{
    REQUIRE(runShell("ssh-keygen -q -t ed25519 -N '" + passphrase + "' -f " + path + " >/dev/null 2>&1") == 0);
    return path;
}

void authorize(const TestSshd& sshd, const std::string& key)
{
    std::ofstream(sshd.dir() + "/authorized_keys", std::ios::app) << readAll(key + ".pub");
}

// A prompt that counts its calls and answers `choice`.
struct CountingPrompt {
    std::shared_ptr<int> calls = std::make_shared<int>(0);
    std::shared_ptr<HostKeyFacts> seen = std::make_shared<HostKeyFacts>();
    HostKeyPrompt answer(HostKeyChoice choice) const
    {
        return [calls = calls, seen = seen, choice](const HostKeyFacts& facts) {
            ++*calls;
            *seen = facts;
            return choice;
        };
    }
};

std::string messageOf(const Result<std::unique_ptr<SshConnection>>& r)
{
    return r ? std::string("(opened)") : r.error().message();
}

// An ssh-agent of the test's own, holding `keys`.
class TestAgent {
public:
    TestAgent(const TestSshd& sshd, const std::vector<std::string>& keys) : m_socket(sshd.dir() + "/agent.sock")
    {
        std::string out;
        REQUIRE(runShell("ssh-agent -s -a " + m_socket, &out) == 0);
        size_t at = out.find("SSH_AGENT_PID=");
        REQUIRE(at != std::string::npos);
        m_pid = std::atoi(out.c_str() + at + 14);
        REQUIRE(m_pid > 0);
        for (const std::string& key : keys)
            REQUIRE(runShell("SSH_AUTH_SOCK=" + m_socket + " ssh-add " + key + " >/dev/null 2>&1") == 0);
    }
    ~TestAgent() { ::kill(m_pid, SIGTERM); }
    const std::string& socket() const { return m_socket; }

private:
    std::string m_socket;
    pid_t m_pid = -1;
};

std::string fingerprintOf(const std::string& key)
{
    std::string out;
    REQUIRE(runShell("ssh-keygen -lf " + key + ".pub", &out) == 0);
    std::istringstream words(out);
    std::string bits, fingerprint;
    words >> bits >> fingerprint;
    return fingerprint;
}

// The key of the last login the server let in, from its VERBOSE log:
// "Accepted publickey for me from 127.0.0.1 port 4711 ssh2: ED25519 SHA256:…".
std::string lastAcceptedKey(const TestSshd& sshd)
{
    std::istringstream log(sshd.log());
    std::string line, last;
    while (std::getline(log, line))
        if (line.find("Accepted publickey") != std::string::npos)
            last = line;
    size_t at = last.find("SHA256:");
    if (at == std::string::npos)
        return {};
    std::string key = last.substr(at);
    return key.substr(0, key.find_first_of(" \r\n")); // sshd -e ends its lines with \r\n
}

void stopAll(const std::vector<pid_t>& pids, int signal)
{
    for (pid_t pid : pids)
        ::kill(pid, signal);
}

} // namespace

// ---- where to connect -----------------------------------------------------------

TEST_CASE("a connection logs in with the job's key and starts SFTP", "[sshconnection]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    auto opened = SshConnection::open(locationOf(sshd), sshd.access(), within());
    INFO(messageOf(opened) << "\n" << sshd.log());
    REQUIRE(opened.ok());
    SshConnection& c = **opened;
    CHECK(c.user() == sshd.user());
    CHECK(c.hostKey().host == "127.0.0.1");
    CHECK(c.hostKey().port == sshd.port());
    CHECK(c.hostKey().keyType == "ssh-ed25519");
    CHECK(c.hostKey().fingerprint == sshd.hostKeyFingerprint());
    CHECK(c.hostKey().recordIn == sshd.ferryKnownHosts());
    CHECK(c.hasExtension("posix-rename@openssh.com"));
    CHECK_FALSE(c.hasExtension("no-such-extension@example.org"));
    CHECK_FALSE(c.lost());

    {
        auto call = c.beginCall();
        sftp_attributes root = sftp_stat(c.sftp(), sshd.serverRoot().c_str());
        REQUIRE(root != nullptr);
        CHECK(root->type == SSH_FILEXFER_TYPE_DIRECTORY);
        sftp_attributes_free(root);
    }
    // A server's "no such file" is its answer, not a broken connection.
    {
        auto call = c.beginCall();
        CHECK(sftp_stat(c.sftp(), (sshd.serverRoot() + "/missing").c_str()) == nullptr);
    }
    CHECK(sftp_get_error(c.sftp()) == SSH_FX_NO_SUCH_FILE);
    CHECK_FALSE(c.lost());
    CHECK_FALSE(c.brokenBy("stat", "missing").has_value());
}

TEST_CASE("a Host alias in the user's ssh config gives host name, port, user and key file", "[sshconnection]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    std::ofstream(sshd.sshDir() + "/config") << "Host other\n  Port 1\n\n"
                                             << "Host mybox\n"
                                             << "  HostName 127.0.0.1\n"
                                             << "  Port " << sshd.port() << "\n"
                                             << "  User " << sshd.user() << "\n"
                                             << "  IdentityFile " << sshd.clientKey() << "\n";
    RemoteAccess access = sshd.access();
    access.identityFiles.clear(); // the key comes from the config only
    Location where = locationAt("", 0, "mybox");
    auto opened = SshConnection::open(where, access, within());
    INFO(messageOf(opened) << "\n" << sshd.log());
    REQUIRE(opened.ok());
    CHECK((*opened)->user() == sshd.user());
    CHECK((*opened)->hostKey().host == "127.0.0.1");
    CHECK((*opened)->hostKey().port == sshd.port());
}

TEST_CASE("the Location's own port and user win over the ssh config's", "[sshconnection]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    std::ofstream(sshd.sshDir() + "/config") << "Host 127.0.0.1\n  Port 1\n  User nobody-here\n";
    auto opened = SshConnection::open(locationOf(sshd), sshd.access(), within());
    INFO(messageOf(opened));
    REQUIRE(opened.ok());
    CHECK((*opened)->user() == sshd.user());

    // Without a port of its own, the config's (wrong) port is used.
    Location noPort = locationOf(sshd);
    noPort.port = 0;
    auto refused = SshConnection::open(noPort, sshd.access(), within());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == Error::Kind::Retry);
}

TEST_CASE("a ProxyCommand in the ssh config carries the connection (libssh 0.10's ProxyJump)", "[sshconnection]")
{
    // libssh 0.10 turns `ProxyJump host` into `ProxyCommand ssh -W [%h]:%p host`;
    // that jump would read the machine's real ~/.ssh, so the test spells the
    // same command out with its own files (jumping through the test server).
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    std::ofstream(sshd.sshDir() + "/config")
        << "Host viajump\n  HostName 127.0.0.1\n  Port " << sshd.port() << "\n  User " << sshd.user() << "\n"
        << "  ProxyCommand ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="
        << sshd.ferryKnownHosts() << " -i " << sshd.clientKey() << " -p " << sshd.port() << " " << sshd.user()
        << "@127.0.0.1 -W [%h]:%p\n";
    auto opened = SshConnection::open(locationAt("", 0, "viajump"), sshd.access(), within());
    INFO(messageOf(opened) << "\n" << sshd.log());
    REQUIRE(opened.ok());
    CHECK((*opened)->hostKey().fingerprint == sshd.hostKeyFingerprint());
    auto call = (*opened)->beginCall();
    sftp_attributes root = sftp_stat((*opened)->sftp(), "/");
    CHECK(root != nullptr);
    sftp_attributes_free(root);
}

// ---- host keys -------------------------------------------------------------------

TEST_CASE("a host key seen for the first time is refused when nobody can be asked", "[sshconnection][hostkey]")
{
    TestSshd sshd;
    RemoteAccess access = sshd.access();
    access.ferryKnownHosts = sshd.dir() + "/data/known_hosts"; // nothing recorded yet
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == Error::Kind::AbortRun);
    CHECK(opened.error().code == Error::Code::HostKeyUnknown);
    CHECK(contains(opened.error().message(), sshd.hostKeyFingerprint()));
    CHECK(contains(opened.error().message(), "--accept-new-host-key"));
    CHECK_FALSE(std::filesystem::exists(access.ferryKnownHosts));
}

TEST_CASE("a host key accepted and remembered is written to Ferry's file and not asked again",
          "[sshconnection][hostkey]")
{
    TestSshd sshd;
    RemoteAccess access = sshd.access();
    access.ferryKnownHosts = sshd.dir() + "/data/ferry/known_hosts"; // its folder does not exist yet
    CountingPrompt prompt;
    access.confirmHostKey = prompt.answer(HostKeyChoice::AcceptAndRemember);
    {
        auto opened = SshConnection::open(locationOf(sshd), access, within());
        INFO(messageOf(opened));
        REQUIRE(opened.ok());
    }
    CHECK(*prompt.calls == 1);
    CHECK(prompt.seen->fingerprint == sshd.hostKeyFingerprint());
    CHECK(prompt.seen->keyType == "ssh-ed25519");
    CHECK(prompt.seen->host == "127.0.0.1");
    CHECK(prompt.seen->port == sshd.port());
    CHECK(prompt.seen->recordIn == access.ferryKnownHosts);
    CHECK(readAll(access.ferryKnownHosts) == sshd.knownHostsLine() + "\n");
    namespace fs = std::filesystem;
    CHECK((fs::status(access.ferryKnownHosts).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK((fs::status(fs::path(access.ferryKnownHosts).parent_path()).permissions() & fs::perms::all) ==
          fs::perms::owner_all);

    access.confirmHostKey = nullptr; // a second run may ask nobody
    auto again = SshConnection::open(locationOf(sshd), access, within());
    INFO(messageOf(again));
    REQUIRE(again.ok());
    CHECK((*again)->hostKey().recordIn == access.ferryKnownHosts);
}

TEST_CASE("a remembered host key goes on a line of its own after a last line without a newline",
          "[sshconnection][hostkey]")
{
    TestSshd sshd;
    RemoteAccess access = sshd.access();
    access.ferryKnownHosts = sshd.dir() + "/edited_known_hosts";
    const std::string other = "example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6fI1ZTrMyaV1pUm9DCk6ufvVwmGxK3tHj6JBGR5wKr";
    std::ofstream(access.ferryKnownHosts) << other; // edited by hand, no newline at the end
    access.confirmHostKey = [](const HostKeyFacts&) { return HostKeyChoice::AcceptAndRemember; };
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE(opened.ok());
    CHECK(readAll(access.ferryKnownHosts) == other + "\n" + sshd.knownHostsLine() + "\n");
}

TEST_CASE("a host key accepted once is not written and is asked for again", "[sshconnection][hostkey]")
{
    TestSshd sshd;
    RemoteAccess access = sshd.access();
    access.ferryKnownHosts = sshd.dir() + "/data/known_hosts";
    CountingPrompt prompt;
    access.confirmHostKey = prompt.answer(HostKeyChoice::AcceptOnce);
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    INFO(messageOf(opened));
    REQUIRE(opened.ok());
    CHECK(*prompt.calls == 1);
    CHECK_FALSE(std::filesystem::exists(access.ferryKnownHosts));

    auto again = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE(again.ok());
    CHECK(*prompt.calls == 2);
}

TEST_CASE("a host key refused at the prompt is refused with its fingerprint", "[sshconnection][hostkey]")
{
    TestSshd sshd;
    RemoteAccess access = sshd.access();
    access.ferryKnownHosts = sshd.dir() + "/known_hosts.empty";
    CountingPrompt prompt;
    access.confirmHostKey = prompt.answer(HostKeyChoice::Refuse);
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE_FALSE(opened.ok());
    CHECK(*prompt.calls == 1);
    CHECK(opened.error().code == Error::Code::HostKeyUnknown);
    CHECK(contains(opened.error().message(), sshd.hostKeyFingerprint()));
    CHECK_FALSE(std::filesystem::exists(access.ferryKnownHosts));
}

TEST_CASE("a changed host key is refused even when a prompt would accept it", "[sshconnection][hostkey]")
{
    TestSshd sshd;
    const std::string oldFingerprint = sshd.hostKeyFingerprint();
    sshd.restart(true); // reinstalled, or someone in between
    REQUIRE(sshd.hostKeyFingerprint() != oldFingerprint);
    RemoteAccess access = sshd.access();
    CountingPrompt prompt;
    access.confirmHostKey = prompt.answer(HostKeyChoice::AcceptAndRemember);
    const std::string before = readAll(access.ferryKnownHosts);

    auto opened = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE_FALSE(opened.ok());
    CHECK(*prompt.calls == 0);
    CHECK(opened.error().kind == Error::Kind::AbortRun);
    CHECK(opened.error().code == Error::Code::HostKeyChanged);
    const std::string message = opened.error().message();
    CHECK(contains(message, sshd.hostKeyFingerprint()));
    CHECK(contains(message, "man-in-the-middle"));
    CHECK(contains(message, "line 1 of " + access.ferryKnownHosts));
    CHECK(contains(message, "ssh-keygen -R '[127.0.0.1]:" + std::to_string(sshd.port()) + "'"));
    CHECK(readAll(access.ferryKnownHosts) == before);

    // Recorded in the user's own known_hosts instead: the same stop, naming that file.
    std::filesystem::rename(access.ferryKnownHosts, sshd.sshDir() + "/known_hosts");
    auto fromUsers = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE_FALSE(fromUsers.ok());
    CHECK(fromUsers.error().code == Error::Code::HostKeyChanged);
    CHECK(contains(fromUsers.error().message(), sshd.sshDir() + "/known_hosts"));
    CHECK(*prompt.calls == 0);
}

TEST_CASE("a host key known only to the user's known_hosts, hashed, needs no prompt", "[sshconnection][hostkey]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    const std::string userFile = sshd.sshDir() + "/known_hosts";
    std::ofstream(userFile) << "# a comment\nexample.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6fI1ZTrMyaV1pUm9DCk6ufvVwmGxK3tHj6JBGR5wKr\n"
                            << sshd.knownHostsLine() << "\n";
    REQUIRE(runShell("ssh-keygen -H -f " + userFile + " >/dev/null 2>&1") == 0);
    REQUIRE(readAll(userFile).find("127.0.0.1") == std::string::npos); // hashed now
    RemoteAccess access = sshd.access();
    access.ferryKnownHosts = sshd.dir() + "/data/known_hosts";
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    INFO(messageOf(opened));
    REQUIRE(opened.ok());
    CHECK((*opened)->hostKey().recordIn == userFile);
    CHECK_FALSE(std::filesystem::exists(access.ferryKnownHosts));
}

TEST_CASE("a host recorded with its ECDSA key is checked against that key, although it has an Ed25519 one too",
          "[sshconnection][hostkey]")
{
    // OpenSSH asks for the key types it has recorded first; so must we, or a
    // server with several keys would look unknown.
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TempDir keys;
    const std::string ecdsa = keys / "host_ecdsa";
    REQUIRE(runShell("ssh-keygen -q -t ecdsa -N '' -f " + ecdsa + " >/dev/null 2>&1") == 0);
    SshdOptions options;
    options.extraConfig = {"HostKey " + ecdsa};
    TestSshd sshd(options);
    std::istringstream pub(readAll(ecdsa + ".pub"));
    std::string type, key;
    pub >> type >> key;
    RemoteAccess access = sshd.access();
    std::ofstream(access.ferryKnownHosts) << "[127.0.0.1]:" << sshd.port() << " " << type << " " << key << "\n";
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    INFO(messageOf(opened));
    REQUIRE(opened.ok());
    CHECK((*opened)->hostKey().keyType == "ecdsa-sha2-nistp256");
    CHECK((*opened)->hostKey().fingerprint == fingerprintOf(ecdsa));
}

TEST_CASE("the run's pinned fingerprint spares later sessions the prompt and stops a different key",
          "[sshconnection][hostkey]")
{
    TestSshd sshd;
    RemoteAccess access = sshd.access();
    access.ferryKnownHosts = sshd.dir() + "/data/known_hosts";
    CountingPrompt prompt;
    access.confirmHostKey = prompt.answer(HostKeyChoice::AcceptOnce);
    auto first = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE(first.ok());
    const std::string pinned = (*first)->hostKey().fingerprint;
    auto second = SshConnection::open(locationOf(sshd), access, within(), pinned);
    REQUIRE(second.ok());
    CHECK(*prompt.calls == 1);

    sshd.restart(true);
    auto third = SshConnection::open(locationOf(sshd), access, within(), pinned);
    REQUIRE_FALSE(third.ok());
    CHECK(third.error().code == Error::Code::HostKeyChanged);
    CHECK(contains(third.error().message(), pinned));
    CHECK(*prompt.calls == 1);
}

// ---- logging in ------------------------------------------------------------------

TEST_CASE("the SSH agent's key logs in", "[sshconnection][login]")
{
    TestSshd sshd;
    TestAgent agent(sshd, {sshd.clientKey()});
    ScopedEnv agentSocket("SSH_AUTH_SOCK", agent.socket().c_str());
    RemoteAccess access = sshd.access();
    access.identityFiles.clear(); // nothing but the agent has the key
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    INFO(messageOf(opened) << "\n" << sshd.log());
    REQUIRE(opened.ok());
    CHECK(lastAcceptedKey(sshd) == fingerprintOf(sshd.clientKey()));
}

TEST_CASE("keys are tried in order: the agent's, the job's files, then the ssh folder's", "[sshconnection][login]")
{
    TestSshd sshd;
    const std::string jobKey = makeKey(sshd.dir() + "/job_key");
    const std::string folderKey = makeKey(sshd.sshDir() + "/id_ed25519");
    authorize(sshd, jobKey);
    authorize(sshd, folderKey);
    RemoteAccess access = sshd.access();
    access.identityFiles = {sshd.dir() + "/no-such-key", jobKey};
    {
        ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
        auto opened = SshConnection::open(locationOf(sshd), access, within());
        INFO(messageOf(opened) << "\n" << sshd.log());
        REQUIRE(opened.ok());
        CHECK(lastAcceptedKey(sshd) == fingerprintOf(jobKey));

        access.identityFiles.clear();
        auto fromFolder = SshConnection::open(locationOf(sshd), access, within());
        REQUIRE(fromFolder.ok());
        CHECK(lastAcceptedKey(sshd) == fingerprintOf(folderKey));
    }
    TestAgent agent(sshd, {sshd.clientKey()});
    ScopedEnv agentSocket("SSH_AUTH_SOCK", agent.socket().c_str());
    access.identityFiles = {jobKey};
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE(opened.ok());
    CHECK(lastAcceptedKey(sshd) == fingerprintOf(sshd.clientKey()));
}

TEST_CASE("the default key in the user's ssh folder logs in", "[sshconnection][login]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    std::filesystem::copy_file(sshd.clientKey(), sshd.sshDir() + "/id_ed25519");
    std::filesystem::copy_file(sshd.clientKey() + ".pub", sshd.sshDir() + "/id_ed25519.pub");
    RemoteAccess access = sshd.access();
    access.identityFiles.clear();
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    INFO(messageOf(opened) << "\n" << sshd.log());
    REQUIRE(opened.ok());
}

TEST_CASE("a key the server does not know is a refused login that names the user and what was tried",
          "[sshconnection][login]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    RemoteAccess access = sshd.access();
    access.identityFiles = {makeKey(sshd.dir() + "/stranger"), sshd.dir() + "/no-such-key"};
    bool asked = false;
    access.password = [&](const std::string&) -> Result<Credentials> {
        asked = true; // the server takes no passwords: never asked
        return Credentials{Credentials::Source::Prompt, "x", "a test"};
    };
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == Error::Kind::AbortRun);
    CHECK(opened.error().code == Error::Code::LoginRefused);
    const std::string message = opened.error().message();
    CHECK(contains(message, sshd.user() + "@127.0.0.1"));
    CHECK(contains(message, sshd.dir() + "/stranger"));
    CHECK(contains(message, "The key file " + sshd.dir() + "/no-such-key does not exist"));
    CHECK_FALSE(asked);
}

TEST_CASE("a key file with a broken .pub beside it is a clear error, not a retry", "[sshconnection][login]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    const std::string key = makeKey(sshd.dir() + "/odd");
    std::ofstream(key + ".pub") << "this is not a key\n";
    RemoteAccess access = sshd.access();
    access.identityFiles = {key};
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == Error::Kind::AbortRun);
    CHECK(contains(opened.error().message(), key + ".pub"));
}

TEST_CASE("a key protected by a passphrase, without an agent, is refused with a hint to use the agent",
          "[sshconnection][login]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    const std::string key = makeKey(sshd.dir() + "/locked", "secret words");
    authorize(sshd, key);
    RemoteAccess access = sshd.access();
    access.identityFiles = {key};
    auto opened = SshConnection::open(locationOf(sshd), access, within());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().code == Error::Code::LoginRefused);
    CHECK(contains(opened.error().message(), "passphrase"));
    CHECK(contains(opened.error().message(), "ssh-add " + key));
}

TEST_CASE("a password logs in, and a wrong saved one leads to one question", "[sshconnection][login][password]")
{
    if (!TestSshd::canMakePasswordUser()) {
        WARN("skipped: a password login needs a throwaway account, and only root can make one");
        return;
    }
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    SshdOptions options;
    options.passwordAuth = true;
    TestSshd sshd(options);
    RemoteAccess access = sshd.access();
    access.identityFiles.clear();
    const Location where = locationAt(sshd.passwordUser(), sshd.port());

    access.credentials = {Credentials::Source::Environment, sshd.password(), "the environment variable PW"};
    {
        auto opened = SshConnection::open(where, access, within());
        INFO(messageOf(opened) << "\n" << sshd.log());
        REQUIRE(opened.ok());
        CHECK((*opened)->user() == sshd.passwordUser());
    }

    access.credentials.password = "not the password";
    int asked = 0;
    std::string why;
    access.password = [&](const std::string& reason) -> Result<Credentials> {
        ++asked;
        why = reason;
        return Credentials{Credentials::Source::Prompt, sshd.password(), "the prompt"};
    };
    auto opened = SshConnection::open(where, access, within());
    INFO(messageOf(opened) << "\n" << sshd.log());
    REQUIRE(opened.ok());
    CHECK(asked == 1);
    CHECK(contains(why, "not accepted"));
    CHECK(contains(why, "the environment variable PW"));
}

TEST_CASE("a wrong password is refused after one question and never shown", "[sshconnection][login][password]")
{
    if (!TestSshd::canMakePasswordUser()) {
        WARN("skipped: a password login needs a throwaway account, and only root can make one");
        return;
    }
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    SshdOptions options;
    options.passwordAuth = true;
    TestSshd sshd(options);
    RemoteAccess access = sshd.access();
    access.identityFiles.clear();
    int asked = 0;
    access.password = [&](const std::string&) -> Result<Credentials> {
        ++asked;
        return Credentials{Credentials::Source::Prompt, "Wrong-Horse-42", "the prompt"};
    };
    auto opened = SshConnection::open(locationAt(sshd.passwordUser(), sshd.port()), access, within());
    REQUIRE_FALSE(opened.ok());
    CHECK(asked == 1);
    CHECK(opened.error().code == Error::Code::LoginRefused);
    CHECK(contains(opened.error().message(), sshd.passwordUser() + "@127.0.0.1"));
    CHECK(contains(opened.error().message(), "password"));
    CHECK_FALSE(contains(opened.error().message(), "Wrong-Horse-42"));
}

TEST_CASE("a password nobody can give ends the login with the asker's own error", "[sshconnection][login][password]")
{
    if (!TestSshd::canMakePasswordUser()) {
        WARN("skipped: a password login needs a throwaway account, and only root can make one");
        return;
    }
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    SshdOptions options;
    options.passwordAuth = true;
    TestSshd sshd(options);
    RemoteAccess access = sshd.access();
    access.identityFiles.clear();
    const Location where = locationAt(sshd.passwordUser(), sshd.port());
    {
        // Nobody to ask and no password: refused, saying the job needs one.
        auto opened = SshConnection::open(where, access, within());
        REQUIRE_FALSE(opened.ok());
        CHECK(opened.error().code == Error::Code::LoginRefused);
        CHECK(contains(opened.error().message(), "--password-env"));
    }
    access.password = [](const std::string&) -> Result<Credentials> {
        return Error::abortRun("read the password", {}, "no terminal to ask on",
                               "Set FERRY_PASSWORD or save the password with the job");
    };
    auto opened = SshConnection::open(where, access, within());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().detail == "no terminal to ask on");
}

TEST_CASE("keyboard-interactive logs in with the password", "[sshconnection][login][password]")
{
    if (!TestSshd::canMakePasswordUser()) {
        WARN("skipped: a password login needs a throwaway account, and only root can make one");
        return;
    }
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    SshdOptions options;
    options.keyboardInteractive = true;
    TestSshd sshd(options);
    // First OpenSSH's own client: whether this machine's PAM can do it at all.
    const std::string askpass = sshd.dir() + "/askpass.sh";
    std::ofstream(askpass) << "#!/bin/sh\necho '" << sshd.password() << "'\n";
    std::filesystem::permissions(askpass, std::filesystem::perms::owner_all);
    const int reference = runShell(
        "SSH_ASKPASS=" + askpass + " SSH_ASKPASS_REQUIRE=force setsid ssh -F /dev/null -o PubkeyAuthentication=no "
        "-o PreferredAuthentications=keyboard-interactive -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" +
        sshd.ferryKnownHosts() + " -p " + std::to_string(sshd.port()) + " " + sshd.passwordUser() +
        "@127.0.0.1 true >/dev/null 2>&1");
    if (reference != 0) {
        WARN("skipped: OpenSSH's own client cannot log in with keyboard-interactive here either "
             "(this machine's PAM set-up); sshd log:\n"
             << sshd.log());
        return;
    }
    RemoteAccess access = sshd.access();
    access.identityFiles.clear();
    access.credentials = {Credentials::Source::Keychain, sshd.password(), "the system keychain"};
    auto opened = SshConnection::open(locationAt(sshd.passwordUser(), sshd.port()), access, within());
    INFO(messageOf(opened) << "\n" << sshd.log());
    REQUIRE(opened.ok());
    CHECK(contains(sshd.log(), "keyboard-interactive"));
}

// ---- errors, timeouts, cancelling -------------------------------------------------

TEST_CASE("a port where nothing listens is a Retry that says the connection was refused", "[sshconnection][errors]")
{
    TestSshd sshd;
    auto opened = SshConnection::open(locationAt(sshd.user(), closedPort()), sshd.access(), within());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == Error::Kind::Retry);
    CHECK(contains(opened.error().message(), "refused"));
    CHECK_FALSE(opened.error().nextStep.empty());
}

TEST_CASE("a host name that does not exist is a Retry that says so", "[sshconnection][errors]")
{
    TestSshd sshd;
    auto opened = SshConnection::open(locationAt(sshd.user(), 22, "no-such-host.invalid"), sshd.access(), within());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == Error::Kind::Retry);
    CHECK(contains(opened.error().message(), "no-such-host.invalid"));
}

TEST_CASE("a server that never answers ends the connect within the timeout", "[sshconnection][errors]")
{
    TestSshd sshd; // for its access() only
    SilentServer silent;
    const auto start = Clock::now();
    auto opened = SshConnection::open(locationAt(sshd.user(), silent.port()), sshd.access(), within(1s));
    const auto took = Clock::now() - start;
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == Error::Kind::Retry);
    CHECK(contains(opened.error().message(), "no answer"));
    CHECK(took >= 900ms);
    CHECK(took < 3s);
}

TEST_CASE("cancelling ends a connect that waits", "[sshconnection][errors]")
{
    TestSshd sshd;
    SilentServer silent;
    CallContext context = within(60s);
    std::thread canceller([token = context.cancel]() mutable {
        std::this_thread::sleep_for(300ms);
        token.cancel();
    });
    const auto start = Clock::now();
    auto opened = SshConnection::open(locationAt(sshd.user(), silent.port()), sshd.access(), context);
    const auto took = Clock::now() - start;
    canceller.join();
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == Error::Kind::Cancelled);
    CHECK(took < 2s);
}

TEST_CASE("a server that stops answering ends an SFTP call within the timeout", "[sshconnection][errors]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    auto opened = SshConnection::open(locationOf(sshd), sshd.access(), within(30s));
    REQUIRE(opened.ok());
    SshConnection& c = **opened;
    c.setCallContext(within(1s)); // what the pool hands with a lease

    const std::vector<pid_t> session = sshd.sessionChildPids();
    REQUIRE_FALSE(session.empty());
    stopAll(session, SIGSTOP);
    const auto start = Clock::now();
    sftp_attributes attributes;
    {
        auto call = c.beginCall();
        attributes = sftp_stat(c.sftp(), sshd.serverRoot().c_str());
    }
    const auto took = Clock::now() - start;
    stopAll(session, SIGKILL);
    stopAll(session, SIGCONT);
    CHECK(attributes == nullptr);
    sftp_attributes_free(attributes);
    CHECK(took >= 900ms);
    CHECK(took < 4s);
    CHECK(c.lost());
    auto why = c.brokenBy("stat", "x");
    REQUIRE(why.has_value());
    CHECK(why->kind == Error::Kind::Retry);
    CHECK(contains(why->message(), "did not answer within 1 s"));
}

TEST_CASE("the watcher keeps no thread between calls and still bounds the next call", "[sshconnection][errors]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    auto threads = [] {
        return std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                             std::filesystem::directory_iterator());
    };
    const auto before = threads();
    auto opened = SshConnection::open(locationOf(sshd), sshd.access(), within(1s));
    REQUIRE(opened.ok());
    SshConnection& c = **opened;
    std::this_thread::sleep_for(2500ms); // the watcher ends after 2 s without calls
    CHECK(threads() == before);

    const std::vector<pid_t> session = sshd.sessionChildPids();
    stopAll(session, SIGSTOP);
    const auto start = Clock::now();
    sftp_attributes attributes;
    {
        auto call = c.beginCall();
        attributes = sftp_stat(c.sftp(), "/");
    }
    const auto took = Clock::now() - start;
    stopAll(session, SIGKILL);
    stopAll(session, SIGCONT);
    CHECK(attributes == nullptr);
    CHECK(took < 4s);
    CHECK(c.lost());
}

TEST_CASE("cancelling ends an SFTP call that waits", "[sshconnection][errors]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    CallContext context = within(60s);
    auto opened = SshConnection::open(locationOf(sshd), sshd.access(), context);
    REQUIRE(opened.ok());
    SshConnection& c = **opened;
    const std::vector<pid_t> session = sshd.sessionChildPids();
    stopAll(session, SIGSTOP);
    std::thread canceller([token = context.cancel]() mutable {
        std::this_thread::sleep_for(300ms);
        token.cancel();
    });
    const auto start = Clock::now();
    sftp_attributes attributes;
    {
        auto call = c.beginCall();
        attributes = sftp_stat(c.sftp(), "/");
    }
    const auto took = Clock::now() - start;
    canceller.join();
    stopAll(session, SIGKILL);
    stopAll(session, SIGCONT);
    CHECK(attributes == nullptr);
    sftp_attributes_free(attributes);
    CHECK(took < 2s);
    auto why = c.brokenBy("stat", "/");
    REQUIRE(why.has_value());
    CHECK(why->kind == Error::Kind::Cancelled);
}

TEST_CASE("a killed session makes the connection lost", "[sshconnection][errors]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    auto opened = SshConnection::open(locationOf(sshd), sshd.access(), within());
    REQUIRE(opened.ok());
    SshConnection& c = **opened;
    CHECK_FALSE(c.brokenBy("stat", "/").has_value());
    stopAll(sshd.sessionChildPids(), SIGKILL);
    sftp_attributes attributes;
    {
        auto call = c.beginCall();
        attributes = sftp_stat(c.sftp(), "/");
    }
    CHECK(attributes == nullptr);
    CHECK(c.lost());
    auto why = c.brokenBy("stat", "/");
    REQUIRE(why.has_value());
    CHECK(why->kind == Error::Kind::Retry);
    CHECK(contains(why->message(), "lost"));

    auto fresh = SshConnection::open(locationOf(sshd), sshd.access(), within());
    REQUIRE(fresh.ok());
    CHECK_FALSE((*fresh)->lost());
    (*fresh)->markLost();
    CHECK((*fresh)->lost());
}

TEST_CASE("a server without SFTP is a clear error", "[sshconnection][errors]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    SshdOptions options;
    options.subsystem = "";
    TestSshd sshd(options);
    auto opened = SshConnection::open(locationOf(sshd), sshd.access(), within());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == Error::Kind::AbortRun);
    CHECK(contains(opened.error().message(), "SFTP"));
}

TEST_CASE("the stand-alone sftp-server works as well as internal-sftp", "[sshconnection]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    SshdOptions options;
    options.subsystem = "/usr/lib/openssh/sftp-server";
    TestSshd sshd(options);
    auto opened = SshConnection::open(locationOf(sshd), sshd.access(), within());
    INFO(messageOf(opened) << "\n" << sshd.log());
    REQUIRE(opened.ok());
    CHECK((*opened)->hasExtension("posix-rename@openssh.com"));
}

// ---- the wizard's "Test connection" ------------------------------------------------

TEST_CASE("testSshConnection says what it found", "[sshconnection]")
{
    ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
    TestSshd sshd;
    const std::string docs = sshd.serverRoot() + "/docs";
    std::filesystem::create_directories(docs + "/sub");
    std::ofstream(docs + "/a.txt") << "a";
    std::ofstream(docs + "/b.txt") << "b";

    auto folder = testSshConnection(locationOf(sshd, docs), sshd.access(), within());
    INFO((folder ? *folder : folder.error().message()));
    REQUIRE(folder.ok());
    CHECK(*folder == "Connected to 127.0.0.1 as " + sshd.user() + "; " + docs + " is a folder with 3 items");

    auto empty = testSshConnection(locationOf(sshd, docs + "/sub"), sshd.access(), within());
    REQUIRE(empty.ok());
    CHECK(contains(*empty, "is an empty folder"));

    auto missing = testSshConnection(locationOf(sshd, docs + "/new"), sshd.access(), within());
    REQUIRE(missing.ok());
    CHECK(*missing == "Connected to 127.0.0.1 as " + sshd.user() + "; " + docs +
                          "/new does not exist yet: it will be created on the first run");

    auto file = testSshConnection(locationOf(sshd, docs + "/a.txt"), sshd.access(), within());
    REQUIRE_FALSE(file.ok());
    CHECK(contains(file.error().message(), "not a folder"));

    RemoteAccess stranger = sshd.access();
    stranger.ferryKnownHosts = sshd.dir() + "/none";
    auto unknown = testSshConnection(locationOf(sshd, docs), stranger, within());
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Error::Code::HostKeyUnknown);
}
