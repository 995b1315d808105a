// HostileServer: how a test drives tests/sftp/hostile_sftp_server.py (an
// SFTP v3 server that lists hostile names, fails listings, refuses writes;
// see the script's own header). It serves `root` read-only; its log and mode
// file live in `stateDir` (created). command() is what sshd runs as its
// `Subsystem sftp` (or OpenSSH's `sftp -D` directly); setMode() takes effect
// with the next session, so one sshd serves several modes in turn.
//
// Thread-safety: none needed (one test).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ferry::test {

class HostileServer {
public:
    HostileServer(std::string root, std::string stateDir) : m_root(std::move(root)), m_state(std::move(stateDir))
    {
        std::filesystem::create_directories(m_state);
    }

    // The script beside this header (the build passes its folder).
    static std::string script() { return std::string(FERRY_SFTP_TEST_DIR) + "/hostile_sftp_server.py"; }

    std::string command() const
    {
        return "/usr/bin/python3 " + script() + " --root " + m_root + " --log " + logPath() + " --mode-file " +
               m_state + "/mode";
    }

    void setMode(const std::string& mode) const { std::ofstream(m_state + "/mode", std::ios::trunc) << mode << "\n"; }

    std::string logPath() const { return m_state + "/requests.log"; }
    std::string log() const
    {
        std::ifstream in(logPath(), std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    // The log's lines for requests that left the served folder or went
    // through one of its symlinks (a client that followed a hostile name
    // or link): empty when there were none.
    std::string outsideRequests() const
    {
        std::istringstream in(log());
        std::string line, out;
        while (std::getline(in, line))
            if (line.rfind("OUTSIDE ", 0) == 0 || line.rfind("FOLLOWED ", 0) == 0)
                out += line + "\n";
        return out;
    }
    // The log's lines for requests that would change something.
    std::string writeRequests() const
    {
        std::istringstream in(log());
        std::string line, out;
        while (std::getline(in, line))
            if (line.rfind("WRITEOP", 0) == 0 || line.rfind("OPENW ", 0) == 0)
                out += line + "\n";
        return out;
    }

private:
    std::string m_root;
    std::string m_state;
};

} // namespace ferry::test
