// SshConnection: see sshconnection.h. open() is SshConnector's steps, in
// order: configure (options and ~/.ssh/config), connect (non-blocking, so
// the cancel token and the deadline are checked while it waits), the host
// key, the login, the SFTP channel.
#include "backend/sshconnection.h"

#include "backend/sshconnector.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <algorithm>
#include <cstring>
#include <sys/socket.h>

namespace ferry {

SshConnection::SshConnection() : m_watch(std::make_unique<Watch>()) {}

SshConnection::~SshConnection()
{
    if (m_watch->fd >= 0 && !lost()) {
        // A polite goodbye, but bounded: the server may have just stalled.
        CallContext closing = m_watch->context;
        closing.timeout = std::min<std::chrono::milliseconds>(
            closing.timeout.count() > 0 ? closing.timeout : std::chrono::seconds(2), std::chrono::seconds(2));
        setCallContext(closing);
        auto call = beginCall();
        if (m_sftp)
            sftp_free(m_sftp);
        m_sftp = nullptr;
        if (m_ssh)
            ssh_disconnect(m_ssh);
    } else if (m_watch->fd >= 0) {
        ::shutdown(m_watch->fd, SHUT_RDWR); // nothing to say to a broken connection
    }
    m_watch->stop();
    if (m_sftp)
        sftp_free(m_sftp);
    if (m_ssh) {
        ssh_disconnect(m_ssh);
        ssh_free(m_ssh);
    }
}

SshConnection::Call SshConnection::beginCall()
{
    bool wakeWatcher;
    {
        std::lock_guard lock(m_watch->mutex);
        m_watch->inCall = true;
        m_watch->callStart = SshClock::now();
        m_watch->ensureRunning();
        // A watcher that ticks (calls in a row) sees this call at its next
        // tick: waking it for each of thousands of requests would cost a
        // context switch each.
        wakeWatcher = m_watch->idle;
    }
    if (wakeWatcher)
        m_watch->wake.notify_one();
    return Call(this);
}

SshConnection::Call::~Call()
{
    if (m_connection)
        m_connection->endCall();
}

void SshConnection::endCall()
{
    std::lock_guard lock(m_watch->mutex);
    m_watch->inCall = false;
}

void SshConnection::setCallContext(const CallContext& context)
{
    {
        std::lock_guard lock(m_watch->mutex);
        m_watch->context = context;
    }
    if (m_ssh)
        sshSetTimeout(m_ssh, context.timeout);
}

bool SshConnection::lost() const
{
    if (m_lost || m_watch->stopReason() != Watch::Stop::None)
        return true;
    if (!m_ssh || !ssh_is_connected(m_ssh))
        return true;
    return m_sftp && (!m_sftp->channel || !ssh_channel_is_open(m_sftp->channel));
}

std::optional<Error> SshConnection::brokenBy(const std::string& op, const std::string& path) const
{
    Watch::Stop stop = m_watch->stopReason();
    CallContext context;
    {
        std::lock_guard lock(m_watch->mutex);
        context = m_watch->context;
    }
    if (stop == Watch::Stop::Cancelled || (context.cancel.isCancelled() && lost()))
        return Error::cancelled();
    if (stop == Watch::Stop::TimedOut)
        return Error::retry(op, path,
                            "the server " + m_hostKey.host + " did not answer within " + sshSeconds(context.timeout) +
                                "; the connection was dropped",
                            "Check the network and that the server is up, then run the sync again");
    if (lost()) {
        std::string detail = "the connection to " + m_hostKey.host + " was lost";
        if (m_ssh && *ssh_get_error(m_ssh))
            detail += std::string(" (") + ssh_get_error(m_ssh) + ")";
        return Error::retry(op, path, detail, "Check the network and that the server is up, then run the sync again");
    }
    return std::nullopt;
}

bool SshConnection::hasExtension(const std::string& name) const
{
    if (!m_sftp)
        return false;
    unsigned int count = sftp_extensions_get_count(m_sftp);
    for (unsigned int i = 0; i < count; ++i) {
        const char* extension = sftp_extensions_get_name(m_sftp, i);
        if (extension && name == extension)
            return true;
    }
    return false;
}

} // namespace ferry

namespace ferry {

namespace {

std::string itemCount(int n)
{
    if (n == 0)
        return "an empty folder";
    return "a folder with " + std::to_string(n) + (n == 1 ? " item" : " items");
}

} // namespace

Result<std::string> testSshConnection(const Location& where, const RemoteAccess& access, const CallContext& context)
{
    auto opened = SshConnection::open(where, access, context);
    if (!opened)
        return opened.error();
    SshConnection& c = **opened;
    const std::string path = where.path.empty() ? "/" : where.path;
    const std::string connected = "Connected to " + c.hostKey().host + " as " + c.user();
    const std::string op = "look at the folder";

    sftp_attributes attributes;
    {
        auto call = c.beginCall();
        attributes = sftp_stat(c.sftp(), path.c_str());
    }
    if (!attributes) {
        if (auto broken = c.brokenBy(op, path))
            return *broken;
        int err = sftp_get_error(c.sftp());
        if (err == SSH_FX_NO_SUCH_FILE)
            return connected + "; " + path + " does not exist yet: it will be created on the first run";
        if (err == SSH_FX_PERMISSION_DENIED)
            return Error::abortRun(op, path, "permission denied",
                                   "Choose a folder the account " + c.user() +
                                       " may read, or ask the server's administrator for access");
        return Error::abortRun(op, path, "the server answered with SFTP error " + std::to_string(err),
                               "Check the path, then try again");
    }
    const bool isFolder = attributes->type == SSH_FILEXFER_TYPE_DIRECTORY;
    sftp_attributes_free(attributes);
    if (!isFolder)
        return Error::abortRun(op, path, "this is a file, not a folder", "Choose a folder to sync");

    int items = 0;
    {
        auto call = c.beginCall();
        sftp_dir dir = sftp_opendir(c.sftp(), path.c_str());
        if (dir) {
            while (sftp_attributes item = sftp_readdir(c.sftp(), dir)) {
                if (std::strcmp(item->name, ".") != 0 && std::strcmp(item->name, "..") != 0)
                    ++items;
                sftp_attributes_free(item);
            }
            bool complete = sftp_dir_eof(dir);
            sftp_closedir(dir);
            if (complete)
                return connected + "; " + path + " is " + itemCount(items);
        }
    }
    if (auto broken = c.brokenBy(op, path))
        return *broken;
    if (sftp_get_error(c.sftp()) == SSH_FX_PERMISSION_DENIED)
        return Error::abortRun(op, path, "the folder cannot be listed: permission denied",
                               "Choose a folder the account " + c.user() +
                                   " may read, or ask the server's administrator for access");
    return Error::abortRun(op, path, "the folder cannot be listed (SFTP error " +
                                         std::to_string(sftp_get_error(c.sftp())) + ")",
                           "Check the path, then try again");
}

} // namespace ferry
