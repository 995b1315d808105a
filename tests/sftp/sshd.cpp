#include "sftp/sshd.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <pwd.h>
#include <sstream>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace ferry::test {

namespace {

constexpr const char* kPasswordUser = "ferry-sshtest";

std::string readAll(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string shellQuote(const std::string& s)
{
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

int freePort()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

// pid -> parent pid of every process, from /proc.
std::map<pid_t, pid_t> parents()
{
    std::map<pid_t, pid_t> result;
    DIR* proc = ::opendir("/proc");
    if (!proc)
        return result;
    while (dirent* d = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(std::atoi(d->d_name));
        if (pid <= 0)
            continue;
        std::string stat = readAll(std::string("/proc/") + d->d_name + "/stat");
        // "pid (comm) state ppid …"; comm may hold spaces and parentheses.
        size_t close = stat.rfind(')');
        if (close == std::string::npos)
            continue;
        char state = 0;
        int ppid = 0;
        if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2)
            result[pid] = ppid;
    }
    ::closedir(proc);
    return result;
}

} // namespace

int runShell(const std::string& command, std::string* out)
{
    std::string full = "exec </dev/null; " + command;
    FILE* pipe = ::popen(full.c_str(), "r");
    if (!pipe)
        return -1;
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
        text.append(buf, n);
    int status = ::pclose(pipe);
    if (out)
        *out = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TestSshd::TestSshd(SshdOptions options)
    : m_options(std::move(options))
{
    char tmpl[] = "/tmp/ferry-sshd.XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    m_dir = tmpl;
    try {
        ::chmod(m_dir.c_str(), 0711); // the password account must reach its files
        const passwd* pw = ::getpwuid(::geteuid());
        REQUIRE(pw != nullptr);
        m_user = pw->pw_name;
        REQUIRE(runShell("ssh-keygen -q -t ed25519 -N '' -C ferry-test-client -f " + shellQuote(clientKey()) +
                         " >/dev/null 2>&1") == 0);
        std::filesystem::copy_file(clientKey() + ".pub", m_dir + "/authorized_keys");
        std::filesystem::create_directories(sshDir());
        std::filesystem::permissions(sshDir(), std::filesystem::perms::owner_all);
        std::filesystem::create_directories(serverRoot());
        makeHostKey();
        if (m_options.passwordAuth || m_options.keyboardInteractive)
            makePasswordUser();
        if (::geteuid() == 0) {
            ::mkdir("/run/sshd", 0755);
            ::chmod("/run/sshd", 0755);
        }
        m_port = freePort();
        writeConfig();
        start();
        std::ofstream(ferryKnownHosts()) << knownHostsLine() << "\n";
    } catch (...) {
        cleanUp();
        throw;
    }
}

TestSshd::~TestSshd()
{
    cleanUp();
}

void TestSshd::cleanUp()
{
    stop();
    if (m_passwordLock >= 0) {
        ::close(m_passwordLock);
        m_passwordLock = -1;
    }
    if (!m_dir.empty() && m_dir.rfind("/tmp/ferry-sshd.", 0) == 0) {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }
}

void TestSshd::makeHostKey()
{
    std::string key = m_dir + "/host_ed25519";
    ::unlink(key.c_str());
    ::unlink((key + ".pub").c_str());
    REQUIRE(runShell("ssh-keygen -q -t ed25519 -N '' -C ferry-test-host -f " + shellQuote(key) +
                     " >/dev/null 2>&1") == 0);
}

bool TestSshd::canMakePasswordUser()
{
    return ::geteuid() == 0;
}

void TestSshd::makePasswordUser()
{
    if (!canMakePasswordUser())
        return;
    // Each server gives the account a new password: one such server at a
    // time, across processes (other test binaries may run at once).
    m_passwordLock = ::open("/tmp/ferry-sshtest.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(m_passwordLock >= 0);
    REQUIRE(::flock(m_passwordLock, LOCK_EX) == 0);
    std::string pw;
    REQUIRE(runShell("head -c 18 /dev/urandom | base64 | tr -d '/+='", &pw) == 0);
    while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r'))
        pw.pop_back();
    REQUIRE(pw.size() >= 16);
    std::string user = kPasswordUser;
    REQUIRE(runShell("id " + user + " >/dev/null 2>&1 || useradd -M -s /bin/sh " + user + " >/dev/null 2>&1") ==
            0);
    REQUIRE(runShell("echo " + shellQuote(user + ":" + pw) + " | chpasswd") == 0);
    m_passwordUser = user;
    m_password = pw;
}

void TestSshd::writeConfig()
{
    std::ofstream cfg(m_dir + "/sshd_config");
    std::string allow = m_user;
    if (!m_passwordUser.empty() && m_passwordUser != m_user)
        allow += " " + m_passwordUser;
    cfg << "ListenAddress 127.0.0.1\n"
        << "Port " << m_port << "\n"
        << "HostKey " << m_dir << "/host_ed25519\n"
        << "PidFile " << m_dir << "/sshd.pid\n"
        << "AuthorizedKeysFile " << m_dir << "/authorized_keys\n"
        << "AllowUsers " << allow << "\n"
        << "PubkeyAuthentication yes\n"
        << "PasswordAuthentication " << (m_options.passwordAuth ? "yes" : "no") << "\n"
        << "KbdInteractiveAuthentication " << (m_options.keyboardInteractive ? "yes" : "no") << "\n"
        << "UsePAM " << (m_options.keyboardInteractive ? "yes" : "no") << "\n"
        << "PermitRootLogin prohibit-password\n"
        << "StrictModes no\n"
        << "LogLevel VERBOSE\n";
    if (!m_options.subsystem.empty())
        cfg << "Subsystem sftp " << m_options.subsystem << "\n";
    for (const std::string& line : m_options.extraConfig)
        cfg << line << "\n";
}

void TestSshd::start()
{
    std::string cfg = m_dir + "/sshd_config";
    std::string check;
    REQUIRE(runShell("/usr/sbin/sshd -t -f " + shellQuote(cfg) + " 2>&1", &check) == 0);
    for (int attempt = 0; attempt < 3; ++attempt) {
        std::string logPath = m_dir + "/sshd.log";
        const size_t logStart = log().size();
        int logFd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        int nullFd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        REQUIRE(logFd >= 0);
        REQUIRE(nullFd >= 0);
        const pid_t parent = ::getpid();
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            // Only async-signal-safe calls here: the test process has threads.
            // The server ends with the test process, also when that is killed
            // (a ctest timeout): no sshd is left behind without a destructor.
            // (The signal comes when the forking *thread* ends: tests start
            // their servers on the thread that runs them.)
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != parent)
                ::_exit(1);
            // A background sshd that kept the test's stdout would hang pipes.
            ::dup2(nullFd, 0);
            ::dup2(nullFd, 1);
            ::dup2(logFd, 2);
            ::setpgid(0, 0);
            // sshd re-executes itself, so it needs its absolute path.
            ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", cfg.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(logFd);
        ::close(nullFd);
        m_pid = pid;
        // Ours is up when its log says so: a bare connect could reach some
        // other process that took the port after freePort() let it go.
        const std::string ready = "Server listening on 127.0.0.1 port " + std::to_string(m_port) + ".";
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < until) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                break;
            }
            // (No test connect: its sshd child would linger as a "session".)
            if (log().find(ready, logStart) != std::string::npos)
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
            m_pid = -1;
        }
        // Another process may have taken the port between freePort() and sshd's bind.
        m_port = freePort();
        writeConfig();
    }
    FAIL("the test sshd did not start; its log:\n" << log());
}

void TestSshd::stop()
{
    if (m_pid <= 0)
        return;
    std::vector<pid_t> children = sessionChildPids();
    ::kill(m_pid, SIGTERM);
    for (pid_t child : children) {
        ::kill(child, SIGKILL);
        ::kill(child, SIGCONT);
    }
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(m_pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > until) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    m_pid = -1;
}

void TestSshd::restart(bool newHostKey)
{
    stop();
    if (newHostKey)
        makeHostKey();
    start();
}

std::vector<pid_t> TestSshd::sessionChildPids() const
{
    std::vector<pid_t> result;
    if (m_pid <= 0)
        return result;
    std::map<pid_t, pid_t> parentOf = parents();
    std::vector<pid_t> frontier{m_pid};
    while (!frontier.empty()) {
        pid_t parent = frontier.back();
        frontier.pop_back();
        for (const auto& [pid, ppid] : parentOf) {
            if (ppid == parent) {
                result.push_back(pid);
                frontier.push_back(pid);
            }
        }
    }
    return result;
}

std::string TestSshd::hostKeyFingerprint() const
{
    std::string out;
    REQUIRE(runShell("ssh-keygen -lf " + shellQuote(m_dir + "/host_ed25519.pub"), &out) == 0);
    // "256 SHA256:… comment (ED25519)"
    std::istringstream words(out);
    std::string bits, fingerprint;
    words >> bits >> fingerprint;
    REQUIRE(fingerprint.rfind("SHA256:", 0) == 0);
    return fingerprint;
}

std::string TestSshd::knownHostsLine() const
{
    std::istringstream pub(readAll(m_dir + "/host_ed25519.pub"));
    std::string type, key;
    pub >> type >> key;
    return "[127.0.0.1]:" + std::to_string(m_port) + " " + type + " " + key;
}

std::string TestSshd::url(const std::string& path) const
{
    return "sftp://" + m_user + "@127.0.0.1:" + std::to_string(m_port) + path;
}

RemoteAccess TestSshd::access() const
{
    RemoteAccess a;
    a.identityFiles = {clientKey()};
    a.ferryKnownHosts = ferryKnownHosts();
    a.sshDir = sshDir();
    return a;
}

std::string TestSshd::log() const
{
    return readAll(m_dir + "/sshd.log");
}

} // namespace ferry::test
