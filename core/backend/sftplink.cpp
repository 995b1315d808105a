#include "sftplink.h"

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <algorithm>

namespace ferry {

namespace {

constexpr uint8_t kFxpStatus = 101;
constexpr uint8_t kFxpExtended = 200;

uint32_t getU32(const std::string& s, size_t& pos, bool& ok)
{
    if (pos + 4 > s.size()) {
        ok = false;
        return 0;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(s.data() + pos);
    pos += 4;
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

} // namespace

namespace sftpwire {
void putU32(std::string& out, uint32_t v)
{
    const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.append(b, 4);
}
void putU64(std::string& out, uint64_t v)
{
    putU32(out, uint32_t(v >> 32));
    putU32(out, uint32_t(v));
}
void putString(std::string& out, const std::string& s)
{
    putU32(out, uint32_t(s.size()));
    out += s;
}
} // namespace sftpwire

SftpLink::SftpLink(std::unique_ptr<SshConnection> connection) : m_connection(std::move(connection)) {}

SftpLink::~SftpLink() = default;

void SftpLink::markLost()
{
    m_lost = true;
    m_connection->markLost();
}

int SftpLink::addDrain(Drain drain)
{
    m_drains.emplace_back(++m_nextDrain, std::move(drain));
    return m_nextDrain;
}

void SftpLink::removeDrain(int id)
{
    m_drains.erase(std::remove_if(m_drains.begin(), m_drains.end(), [id](const auto& d) { return d.first == id; }),
                   m_drains.end());
}

void SftpLink::quiesce(int except)
{
    auto drains = m_drains; // a drain may remove itself
    for (auto& [id, drain] : drains)
        if (id != except)
            drain();
}

bool SftpLink::readPacket(uint8_t& type, std::string& body)
{
    ssh_channel channel = sftp()->channel;
    auto readExactly = [&](char* buf, size_t n) {
        size_t got = 0;
        while (got < n) {
            int r = ssh_channel_read(channel, buf + got, uint32_t(n - got), 0);
            if (r < 0)
                return false;
            if (r == 0 && (ssh_channel_is_eof(channel) || ssh_channel_is_closed(channel) || !ssh_is_connected(m_connection->ssh())))
                return false;
            got += size_t(r);
        }
        return true;
    };
    char head[5];
    if (!readExactly(head, 5))
        return false;
    const auto* h = reinterpret_cast<const unsigned char*>(head);
    const uint32_t length = uint32_t(h[0]) << 24 | uint32_t(h[1]) << 16 | uint32_t(h[2]) << 8 | uint32_t(h[3]);
    if (length < 1 || length > 512 * 1024)
        return false;
    type = h[4];
    body.resize(length - 1);
    return readExactly(body.data(), body.size());
}

uint32_t SftpLink::sendRaw(uint8_t type, const std::string& payload)
{
    if (lost())
        return 0;
    sftp_session s = sftp();
    const uint32_t id = ++s->id_counter; // as libssh numbers its own requests
    std::string packet;
    packet.reserve(9 + payload.size());
    sftpwire::putU32(packet, uint32_t(1 + 4 + payload.size()));
    packet.push_back(char(type));
    sftpwire::putU32(packet, id);
    packet += payload;
    if (ssh_channel_write(s->channel, packet.data(), uint32_t(packet.size())) != int(packet.size())) {
        markLost();
        return 0;
    }
    m_rawPending.push_back(id);
    return id;
}

bool SftpLink::awaitPacket(uint32_t id, uint8_t& type, std::string& body)
{
    for (;;) {
        auto found = std::find_if(m_answers.begin(), m_answers.end(), [id](const Answer& a) { return a.id == id; });
        if (found != m_answers.end()) {
            type = found->type;
            body = std::move(found->body);
            m_answers.erase(found);
            return true;
        }
        if (std::find(m_rawPending.begin(), m_rawPending.end(), id) == m_rawPending.end() || lost())
            return false;
        Answer a;
        std::string packet;
        if (!readPacket(a.type, packet)) {
            markLost();
            return false;
        }
        size_t pos = 0;
        bool ok = true;
        a.id = getU32(packet, pos, ok);
        auto pending = std::find(m_rawPending.begin(), m_rawPending.end(), a.id);
        if (!ok || pending == m_rawPending.end()) {
            markLost(); // an answer to nothing we asked: the channel cannot be trusted
            return false;
        }
        m_rawPending.erase(pending);
        a.body = packet.substr(4);
        m_answers.push_back(std::move(a));
    }
}

int SftpLink::awaitStatus(uint32_t id, std::string* message)
{
    uint8_t type = 0;
    std::string body;
    if (!awaitPacket(id, type, body))
        return -1;
    size_t pos = 0;
    bool ok = true;
    const int status = int(getU32(body, pos, ok));
    if (type != kFxpStatus || !ok) {
        markLost();
        return -1;
    }
    const uint32_t msgLen = getU32(body, pos, ok);
    if (message && ok && pos + msgLen <= body.size())
        *message = body.substr(pos, msgLen);
    return status;
}

bool SftpLink::settleRaw()
{
    while (!m_rawPending.empty()) {
        const uint32_t id = m_rawPending.front();
        Answer a{id, 0, {}};
        if (!awaitPacket(id, a.type, a.body))
            return false;
        m_answers.push_back(std::move(a)); // kept for its owner
    }
    return true;
}

int SftpLink::extendedStatus(const std::string& name, const std::string& payload, std::string* message)
{
    quiesce();
    std::string body;
    sftpwire::putString(body, name);
    body += payload;
    const uint32_t id = sendRaw(kFxpExtended, body);
    if (!id)
        return -1;
    return awaitStatus(id, message);
}

CallGuard::CallGuard(SftpLink& link, const CallContext& context) : m_link(link)
{
    SshConnection& c = link.connection();
    c.setCallContext(context);
    m_call.emplace(c.beginCall());
}

std::optional<Error> CallGuard::end(const std::string& op, const std::string& path)
{
    m_call.reset();
    auto broken = m_link.connection().brokenBy(op, path);
    if (broken)
        m_link.markLost();
    return broken;
}

} // namespace ferry
