#include "sftpbackend.h"

#include "backend/sftpdetail.h"
#include "backend/sftpstreams.h"
#include "common/hash.h"
#include "common/relpath.h"
#include "common/tempname.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fcntl.h>
#include <map>
#include <mutex>

namespace ferry {

using namespace sftpdetail;

// ---- opening and sessions ----------------------------------------------------------

namespace {

// The access later sessions log in with: the host key pinned, the password
// the first session was given (asked once, shared).
RemoteAccess sessionAccess(const std::shared_ptr<SftpBackend::Side>& side)
{
    RemoteAccess a = side->access;
    const std::string pinned = side->fingerprint;
    a.confirmHostKey = [pinned](const HostKeyFacts& facts) {
        return !pinned.empty() && facts.fingerprint == pinned ? HostKeyChoice::AcceptOnce : HostKeyChoice::Refuse;
    };
    return a;
}

// ---- orphans that outlive their run ----
// A temporary whose connection broke stays on the server when no session of
// its run could reach the server again. Its writer is gone, and only this
// installation's runs make names that pass tempname::isOwn, so the next run
// against the same server (same login, same host key) may remove it at
// once instead of waiting a day for it to look abandoned. The book is kept
// in memory (later runs of this process) and, when the process has a data
// folder (tempname::keyDataDir), in "sftp-orphans" there (later processes):
// one line per temporary, "<server>\t<absolute path>", tabs, newlines and
// '%' in either percent-encoded.

std::string serverKey(const SftpBackend::Side& side)
{
    Location l = side.where;
    l.path = "/";
    return l.toString() + " " + side.fingerprint;
}

std::string encodeField(const std::string& s)
{
    std::string out;
    for (char c : s) {
        if (c == '%' || c == '\t' || c == '\n' || c == '\r') {
            static const char* hex = "0123456789ABCDEF";
            out += '%';
            out += hex[(unsigned char)c >> 4];
            out += hex[(unsigned char)c & 15];
        } else {
            out += c;
        }
    }
    return out;
}

std::string decodeField(const std::string& s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit((unsigned char)s[i + 1]) && std::isxdigit((unsigned char)s[i + 2])) {
            out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct OrphanBook {
    std::mutex mutex;
    std::multimap<std::string, std::string> inMemory;
};

OrphanBook& orphanBook()
{
    static OrphanBook book;
    return book;
}

QString orphanJournal()
{
    const std::string dir = tempname::keyDataDir();
    return dir.empty() ? QString() : QString::fromStdString(dir + "/sftp-orphans");
}

void bookOrphans(const std::string& server, const std::vector<std::string>& paths)
{
    OrphanBook& book = orphanBook();
    std::lock_guard lock(book.mutex);
    for (const std::string& p : paths)
        book.inMemory.emplace(server, p);
    const QString journal = orphanJournal();
    if (journal.isEmpty())
        return;
    QFile f(journal);
    if (!f.open(QIODevice::Append | QIODevice::WriteOnly))
        return; // kept in memory; a later process finds the file a day old instead
    for (const std::string& p : paths)
        f.write(QByteArray::fromStdString(encodeField(server) + "\t" + encodeField(p) + "\n"));
}

std::vector<std::string> takeOrphans(const std::string& server)
{
    OrphanBook& book = orphanBook();
    std::lock_guard lock(book.mutex);
    std::vector<std::string> out;
    auto [from, to] = book.inMemory.equal_range(server);
    for (auto it = from; it != to; ++it)
        out.push_back(it->second);
    book.inMemory.erase(from, to);
    const QString journal = orphanJournal();
    QFile f(journal);
    if (journal.isEmpty() || !f.open(QIODevice::ReadOnly))
        return out;
    const QList<QByteArray> lines = f.readAll().split('\n');
    f.close();
    QByteArray keep;
    bool took = false;
    for (const QByteArray& line : lines) {
        const int tab = line.indexOf('\t');
        if (tab < 0)
            continue;
        if (decodeField(line.left(tab).toStdString()) == server) {
            out.push_back(decodeField(line.mid(tab + 1).toStdString()));
            took = true;
        } else {
            keep += line + '\n';
        }
    }
    if (took) {
        QSaveFile w(journal);
        if (w.open(QIODevice::WriteOnly)) {
            w.write(keep);
            w.commit();
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    // Only names this installation made: a damaged or foreign line removes nothing.
    std::erase_if(out, [](const std::string& p) {
        const size_t slash = p.rfind('/');
        return p.empty() || p[0] != '/' || slash == std::string::npos || !tempname::isOwn(p.substr(slash + 1));
    });
    return out;
}

} // namespace

SftpBackend::Side::~Side()
{
    if (!orphans.empty() && !fingerprint.empty())
        bookOrphans(serverKey(*this), orphans);
}

Result<std::unique_ptr<SftpBackend>> SftpBackend::open(const Location& where, const RemoteAccess& access,
                                                       const CallContext& context)
{
    auto side = std::make_shared<Side>();
    side->where = where;
    side->access = access;
    if (access.password) {
        // Asked at most once for the whole side, whichever session asks first.
        std::weak_ptr<Side> weak = side;
        PasswordSource ask = access.password;
        side->access.password = [weak, ask](const std::string& why) -> Result<Credentials> {
            auto s = weak.lock();
            if (!s)
                return ask(why);
            std::lock_guard lock(s->passwordMutex);
            if (!s->asked)
                s->asked = ask(why);
            return *s->asked;
        };
    }
    auto connection = SshConnection::open(where, side->access, context);
    if (!connection)
        return connection.error();
    SshConnection& c = **connection;
    side->fingerprint = c.hostKey().fingerprint;
    side->orphans = takeOrphans(serverKey(*side)); // the first session removes them
    side->posixRename = c.hasExtension("posix-rename@openssh.com");
    side->lsetstat = c.hasExtension("lsetstat@openssh.com");
    side->fsync = c.hasExtension("fsync@openssh.com");
    side->statvfs = c.hasExtension("statvfs@openssh.com");
    side->openssh = ssh_get_openssh_version(c.ssh()) > 0;
    if (char* home = sftp_canonicalize_path(c.sftp(), ".")) {
        side->home = home;
        ssh_string_free_char(home);
    }
    std::string root = normalizedRoot(where.path.empty() ? std::string("/~") : where.path);
    if (root == "/~" || root.rfind("/~/", 0) == 0) {
        // Below the login's home folder, as the server names it.
        if (side->home.empty())
            return Error::abortRun("open folder", where.toString(), "the server did not say where the home folder is",
                                   "Give the folder as an absolute path");
        root = normalizedRoot(side->home + root.substr(2));
    }
    side->where.path = root;
    if (side->statvfs) {
        if (sftp_statvfs_t v = sftp_statvfs(c.sftp(), root == "/" ? "/" : std::string(root).c_str())) {
            if (v->f_namemax > 0)
                side->nameMax = int(std::min<uint64_t>(v->f_namemax, 255));
            sftp_statvfs_free(v);
        } else if (sftp_statvfs_t top = sftp_statvfs(c.sftp(), "/")) {
            if (top->f_namemax > 0)
                side->nameMax = int(std::min<uint64_t>(top->f_namemax, 255));
            sftp_statvfs_free(top);
        }
    }
    auto first = std::make_shared<SftpLink>(std::move(*connection));
    if (side->posixRename) {
        // Offered is not always allowed (sftp-server -P): a rename of a name
        // that cannot exist tells, without touching anything.
        std::string probe;
        sftpwire::putString(probe, "/nonexistent-ferry-probe/a");
        sftpwire::putString(probe, "/nonexistent-ferry-probe/b");
        CallGuard guard(*first, context);
        const int status = first->extendedStatus("posix-rename@openssh.com", probe);
        if (auto broken = guard.end("connect", where.toString()))
            return *broken;
        if (status < 0)
            return lostError("connect", where.toString());
        if (status == SSH_FX_OP_UNSUPPORTED)
            side->posixRename = false;
    }
    side->spare = std::move(first);
    auto place = std::unique_ptr<SftpBackend>(new SftpBackend(side, root, nullptr));
    place->setCallContext(context);
    return place;
}

SftpBackend::SftpBackend(std::shared_ptr<Side> side, std::string root, std::shared_ptr<SftpLink> link)
    : m_side(std::move(side)), m_root(normalizedRoot(std::move(root))), m_link(std::move(link))
{
}

SftpBackend::~SftpBackend() = default;

Result<std::unique_ptr<Backend>> SftpBackend::connect(const CallContext& context) const
{
    std::shared_ptr<SftpLink> link;
    {
        std::lock_guard lock(m_side->mutex);
        link = std::move(m_side->spare);
    }
    if (!link) {
        auto opened = SshConnection::open(m_side->where, sessionAccess(m_side), context, m_side->fingerprint);
        if (!opened)
            return opened.error();
        link = std::make_shared<SftpLink>(std::move(*opened));
    }
    auto session = std::unique_ptr<SftpBackend>(new SftpBackend(m_side, m_root, std::move(link)));
    session->setCallContext(context);
    session->removeOrphans();
    return std::unique_ptr<Backend>(std::move(session));
}

Result<SftpLink*> SftpBackend::linkFor(const char* op, const std::string& path)
{
    if (!m_link) {
        // The place as opened works on its own: the first connection when no
        // session took it, else a new login.
        {
            std::lock_guard lock(m_side->mutex);
            m_link = std::move(m_side->spare);
        }
        if (!m_link) {
            auto opened = SshConnection::open(m_side->where, sessionAccess(m_side), callContext(), m_side->fingerprint);
            if (!opened)
                return opened.error();
            m_link = std::make_shared<SftpLink>(std::move(*opened));
        }
    }
    if (auto e = ready(*m_link, callContext(), op, path))
        return *e;
    return m_link.get();
}

void SftpBackend::removeOrphans()
{
    std::vector<std::string> orphans;
    {
        std::lock_guard lock(m_side->mutex);
        orphans.swap(m_side->orphans);
    }
    for (size_t i = 0; i < orphans.size(); ++i) {
        Call call(*m_link, callContext());
        if (sftp_unlink(m_link->sftp(), orphans[i].c_str()) != 0 && m_link->lost()) {
            // Lost again: the rest wait for the next session (or run).
            std::lock_guard lock(m_side->mutex);
            m_side->orphans.insert(m_side->orphans.end(), orphans.begin() + long(i), orphans.end());
            break;
        }
    }
}

bool SftpBackend::connectionLost() const { return m_link && m_link->lost(); }

std::string SftpBackend::location() const
{
    Location l = m_side->where;
    l.path = m_root;
    return l.toString();
}

Capabilities SftpBackend::capabilities() const
{
    Capabilities caps;
    caps.timePrecisionNs = kNsPerSecond; // SFTP v3: whole seconds
    caps.symlinks = true;
    caps.fileIds = false;
    caps.atomicRename = m_side->posixRename;
    caps.maxNameBytes = m_side->nameMax;
    caps.trash = false;
    return caps;
}

std::string SftpBackend::abs(const std::string& rel) const
{
    if (rel.empty())
        return m_root;
    return m_root == "/" ? "/" + rel : m_root + "/" + rel;
}

// ---- the root -----------------------------------------------------------------------

Result<bool> SftpBackend::rootExists()
{
    auto link = linkFor("open folder", m_root);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    Attrs a(sftp_stat((*link)->sftp(), m_root.c_str())); // the root itself may be a link
    if (!a) {
        if (call.status() == SSH_FX_NO_SUCH_FILE || call.status() == SSH_FX_NO_SUCH_PATH)
            if (auto e = call.interrupted("open folder", m_root); !e)
                return false;
        return call.failure("open folder", m_root);
    }
    if (entryOf(m_root, *a).kind != EntryKind::Directory)
        return Error::abortRun("open folder", m_root, "this is not a folder", "Point the job at a folder");
    return true;
}

Result<void> SftpBackend::createRoot()
{
    auto link = linkFor("create folder", m_root);
    if (!link)
        return link.error();
    size_t pos = 1;
    while (pos <= m_root.size()) {
        size_t slash = m_root.find('/', pos);
        if (slash == std::string::npos)
            slash = m_root.size();
        const std::string partial = m_root.substr(0, slash);
        pos = slash + 1;
        Call call(**link, callContext());
        if (sftp_mkdir((*link)->sftp(), partial.c_str(), 0777) == 0)
            continue;
        Error failed = call.failure("create folder", partial);
        if ((*link)->lost() || failed.kind == Error::Kind::Cancelled)
            return failed;
        Call check(**link, callContext());
        Attrs there(sftp_stat((*link)->sftp(), partial.c_str()));
        if (!there || entryOf(partial, *there).kind != EntryKind::Directory)
            return failed;
    }
    return Ok{};
}

Result<RootIdentity> SftpBackend::rootIdentity()
{
    auto link = linkFor("open folder", m_root);
    if (!link)
        return link.error();
    std::string real;
    {
        Call call(**link, callContext());
        char* canonical = sftp_canonicalize_path((*link)->sftp(), m_root.c_str());
        if (!canonical)
            return call.failure("open folder", m_root);
        real = canonical;
        ssh_string_free_char(canonical);
    }
    RootIdentity id;
    const ContentHash h = hashBytes(m_side->fingerprint + "\n" + real);
    id.fileId = h.lo ? h.lo : 1;
    if (m_side->statvfs) {
        Call fs(**link, callContext());
        if (sftp_statvfs_t v = sftp_statvfs((*link)->sftp(), real.c_str())) {
            id.device = v->f_fsid;
            sftp_statvfs_free(v);
        } else if (auto e = fs.interrupted("open folder", m_root)) {
            return *e;
        }
    }
    id.known = true;
    return id;
}

// ---- reading the tree ------------------------------------------------------------------

Result<std::vector<ListedItem>> SftpBackend::listInto(const std::string& dir, std::vector<Error>* refused)
{
    const char* op = "list folder";
    if (!dir.empty() && !relpath::isValidRelPath(dir))
        return invalidPath(op, dir);
    auto link = linkFor(op, dir);
    if (!link)
        return link.error();
    sftp_session s = (*link)->sftp();
    const std::string where = abs(dir);
    std::vector<ListedItem> items;
    {
        Call call(**link, callContext());
        sftp_dir d = sftp_opendir(s, where.c_str());
        if (!d)
            return call.failure(op, dir.empty() ? m_root : dir);
        std::optional<Error> failed;
        for (;;) {
            Attrs a(sftp_readdir(s, d));
            if (!a) {
                if (!sftp_dir_eof(d))
                    failed = call.failure(op, dir.empty() ? m_root : dir);
                break;
            }
            const std::string name = a->name ? a->name : "";
            if (name == "." || name == "..")
                continue; // the folder itself and its parent, listed by every server
            if (!relpath::isValidName(name)) {
                ++m_refusedNames;
                if (refused)
                    refused->push_back(Error::skipItem(
                        "list folder", dir.empty() ? m_root : dir,
                        "the server lists an item named '" + printable(name) +
                            "', which is not a valid file name; it was left alone",
                        "Rename or remove it on the server"));
                continue;
            }
            items.push_back(ListedItem{entryOf(relpath::join(dir, name), *a), {}});
        }
        sftp_closedir(d);
        if (!failed)
            if (auto e = call.interrupted(op, dir))
                failed = *e;
        if (failed)
            return *failed;
    }
    for (ListedItem& item : items) {
        if (item.entry.kind != EntryKind::Symlink)
            continue;
        Call call(**link, callContext());
        char* target = sftp_readlink(s, abs(item.entry.path).c_str());
        if (target) {
            item.linkTarget = target;
            item.entry.size = int64_t(item.linkTarget.size());
            ssh_string_free_char(target);
        } else if (auto e = call.interrupted("read symlink", item.entry.path)) {
            return *e;
        } else if ((*link)->lost()) {
            return lostError("read symlink", item.entry.path);
        }
    }
    return items;
}

// list() is in sftpwalk.cpp: it reads the listing's names off the wire itself.

Result<std::optional<Entry>> SftpBackend::lstatAbs(const std::string& absPath, const std::string& rel, const char* op)
{
    auto link = linkFor(op, rel);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    Attrs a(sftp_lstat((*link)->sftp(), absPath.c_str()));
    if (!a) {
        if (call.status() == SSH_FX_NO_SUCH_FILE || call.status() == SSH_FX_NO_SUCH_PATH)
            if (auto e = call.interrupted(op, rel); !e)
                return std::optional<Entry>{};
        return call.failure(op, rel);
    }
    return std::optional<Entry>{entryOf(rel, *a)};
}

Result<std::optional<Entry>> SftpBackend::stat(const std::string& path)
{
    if (!path.empty() && !relpath::isValidRelPath(path))
        return invalidPath("read details of", path);
    return lstatAbs(abs(path), path, "read details of");
}

Result<std::string> SftpBackend::readLink(const std::string& path)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("read symlink", path);
    auto link = linkFor("read symlink", path);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    char* target = sftp_readlink((*link)->sftp(), abs(path).c_str());
    if (!target)
        return call.failure("read symlink", path);
    std::string out = target;
    ssh_string_free_char(target);
    return out;
}

Result<std::unique_ptr<ReadStream>> SftpBackend::openRead(const std::string& path)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("open", path);
    // SFTP has no O_NOFOLLOW: a file that became a symlink since the scan is
    // refused here rather than followed.
    auto st = lstatAbs(abs(path), path, "open");
    if (!st)
        return st.error();
    if (!*st)
        return errnoError("open", path, ENOENT);
    if ((*st)->kind == EntryKind::Symlink)
        return errnoError("open", path, ELOOP);
    auto link = linkFor("open", path);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    sftp_file f = sftp_open((*link)->sftp(), abs(path).c_str(), O_RDONLY, 0);
    if (!f)
        return call.failure("open", path);
    if (auto e = call.interrupted("open", path)) {
        sftp_close(f);
        return *e;
    }
    return std::unique_ptr<ReadStream>(std::make_unique<SftpReadStream>(m_link, f, callContext(), path));
}

// ---- writing ----------------------------------------------------------------------------

namespace {

Result<void> rawResult(SftpLink& link, int status, const std::string& op,
                       const std::string& path, CallGuard& guard)
{
    if (auto broken = guard.end(op, path))
        return *broken;
    if (status < 0 || link.lost())
        return lostError(op, path);
    if (status != SSH_FX_OK)
        return statusError(status, op, path);
    return Ok{};
}

std::string attrsTimes(uint32_t atime, uint32_t mtime)
{
    std::string a;
    sftpwire::putU32(a, SSH_FILEXFER_ATTR_ACMODTIME);
    sftpwire::putU32(a, atime);
    sftpwire::putU32(a, mtime);
    return a;
}

} // namespace

Result<void> SftpBackend::renameAbs(const std::string& from, const std::string& to, const std::string& rel,
                                    bool replace, const char* op)
{
    auto link = linkFor(op, rel);
    if (!link)
        return link.error();
    if (replace && m_side->posixRename) {
        std::string payload;
        sftpwire::putString(payload, from);
        sftpwire::putString(payload, to);
        CallGuard guard(**link, callContext());
        const int status = (*link)->extendedStatus("posix-rename@openssh.com", payload);
        if (status != SSH_FX_OP_UNSUPPORTED)
            return rawResult(**link, status, op, rel, guard);
        // Offered but refused (sftp-server -P): this side replaces in steps
        // from now on (Capabilities::atomicRename), and this rename is a plain
        // one, which fails on an existing target rather than replace it.
        (void)guard.end(op, rel);
        m_side->posixRename = false;
    }
    Call call(**link, callContext());
    if (sftp_rename((*link)->sftp(), from.c_str(), to.c_str()) != 0)
        return call.failure(op, rel);
    if (auto e = call.interrupted(op, rel))
        return *e;
    return Ok{};
}

Result<std::unique_ptr<TempFile>> SftpBackend::createTemp(const std::string& dir, uint32_t mode)
{
    const char* op = "create temporary file in";
    if (!dir.empty() && !relpath::isValidRelPath(dir))
        return invalidPath(op, dir);
    // As LocalBackend: never writable by others, nor setuid, while it is filled.
    const mode_t createMode = mode_t((mode & 0755) | 0600);
    auto link = linkFor(op, dir);
    if (!link)
        return link.error();
    for (int attempt = 0; attempt < 8; ++attempt) {
        const std::string rel = relpath::join(dir, tempname::make());
        const std::string where = abs(rel);
        Call call(**link, callContext());
        sftp_file f = sftp_open((*link)->sftp(), where.c_str(), O_WRONLY | O_CREAT | O_EXCL, createMode);
        if (f) {
            if (auto e = call.interrupted(op, dir)) {
                sftp_close(f);
                return *e;
            }
            auto temp = std::make_unique<SftpTempFile>(m_link, f, callContext(), rel, where, m_side->fsync);
            temp->m_side = m_side;
            if (m_side->statvfs) {
                std::weak_ptr<SftpLink> weak = m_link;
                const std::string folder = abs(dir);
                const CallContext context = callContext();
                temp->diskFull = [weak, folder, context] {
                    auto l = weak.lock();
                    if (!l || ready(*l, context, "write", folder))
                        return false;
                    CallGuard guard(*l, context);
                    sftp_statvfs_t v = sftp_statvfs(l->sftp(), folder.c_str());
                    if (!v)
                        return false;
                    const bool full = v->f_bavail == 0;
                    sftp_statvfs_free(v);
                    return full;
                };
            }
            return std::unique_ptr<TempFile>(std::move(temp));
        }
        Error e = call.failure(op, dir.empty() ? "." : dir);
        if (e.kind != Error::Kind::SkipItem || e.osError != 0)
            return e; // a missing folder (ENOENT), no permission, a lost connection
        // A failure without a reason: most likely the name was taken (EXCL).
        auto there = lstatAbs(where, rel, op);
        if (!there)
            return there.error();
        if (!*there)
            return e;
    }
    return Error::skipItem(op, dir, "no free temporary name");
}

Result<Entry> SftpBackend::commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs,
                                  uint32_t mode, bool mayReplace)
{
    auto* t = dynamic_cast<SftpTempFile*>(temp.get());
    if (!t)
        return Error::abortRun("create", path, "the temporary file was not written on this side");
    if (!relpath::isValidRelPath(path))
        return invalidPath("create", path);
    const uint32_t seconds = secondsOf(mtimeNs);
    // The mode is set exactly (no umask on fsetstat), with the time.
    if (auto r = t->finish(path, mode, seconds); !r)
        return r.error(); // the temporary goes with `temp`
    auto appeared = [&]() -> std::optional<Error> {
        auto there = lstatAbs(abs(path), path, "create");
        if (!there)
            return there.error();
        if (*there)
            return Error::skipItem("create", path, "something appeared at this name since the scan, so it was left alone",
                                   "Run the sync again to pick up the change");
        return std::nullopt;
    };
    // OpenSSH's plain rename never replaces (it links and unlinks), so the
    // check before it is needed only with other servers.
    if (!mayReplace && !m_side->openssh)
        if (auto e = appeared())
            return *e;
    if (auto r = renameAbs(t->absPath(), abs(path), path, mayReplace, mayReplace ? "replace" : "create"); !r) {
        if (!mayReplace && !connectionLost())
            if (auto e = appeared())
                return *e;
        return r.error();
    }
    t->setCommitted();
    Entry e;
    e.path = path;
    e.kind = EntryKind::File;
    e.size = t->size();
    e.mtimeNs = secondsToNs(seconds);
    e.mode = mode & 07777;
    return e;
}

Result<Entry> SftpBackend::rename(const std::string& from, const std::string& to)
{
    if (!relpath::isValidRelPath(from))
        return invalidPath("rename", from);
    if (!relpath::isValidRelPath(to))
        return invalidPath("rename", to);
    auto there = lstatAbs(abs(to), to, "rename");
    if (!there)
        return there.error();
    if (*there)
        return Error::skipItem("rename", from, "'" + to + "' already exists",
                               "Move the other item away, then run the sync again");
    if (auto r = renameAbs(abs(from), abs(to), from, false, "rename"); !r)
        return r.error();
    auto moved = lstatAbs(abs(to), to, "rename");
    if (!moved)
        return moved.error();
    if (!*moved)
        return errnoError("rename", to, ENOENT);
    return **moved;
}

Result<void> SftpBackend::removeFile(const std::string& path)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("delete", path);
    auto link = linkFor("delete", path);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    if (sftp_unlink((*link)->sftp(), abs(path).c_str()) != 0) {
        const int status = call.status();
        if ((status == SSH_FX_NO_SUCH_FILE || status == SSH_FX_NO_SUCH_PATH) && !call.interrupted("delete", path))
            return Ok{}; // already gone, with its folder
        return call.failure("delete", path);
    }
    if (auto e = call.interrupted("delete", path))
        return *e;
    return Ok{};
}

Result<void> SftpBackend::removeDir(const std::string& path)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("delete folder", path);
    auto link = linkFor("delete folder", path);
    if (!link)
        return link.error();
    Call call(**link, callContext());
    if (sftp_rmdir((*link)->sftp(), abs(path).c_str()) != 0) {
        const int status = call.status();
        if ((status == SSH_FX_NO_SUCH_FILE || status == SSH_FX_NO_SUCH_PATH) && !call.interrupted("delete folder", path))
            return Ok{};
        Error e = call.failure("delete folder", path);
        if (status == SSH_FX_FAILURE && e.kind == Error::Kind::SkipItem) {
            e = errnoError("delete folder", path, ENOTEMPTY);
            e.detail = "the folder is not empty (or the server refused to remove it)";
        }
        return e;
    }
    if (auto e = call.interrupted("delete folder", path))
        return *e;
    return Ok{};
}

Result<Entry> SftpBackend::makeDir(const std::string& path, uint32_t mode)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("create folder", path);
    auto link = linkFor("create folder", path);
    if (!link)
        return link.error();
    std::optional<Error> failed;
    {
        Call call(**link, callContext());
        if (sftp_mkdir((*link)->sftp(), abs(path).c_str(), mode_t(mode ? mode & 07777 : 0777)) != 0)
            failed = call.failure("create folder", path);
        else if (auto e = call.interrupted("create folder", path))
            return *e;
    }
    if (failed && (connectionLost() || failed->kind == Error::Kind::Cancelled))
        return *failed;
    auto there = lstatAbs(abs(path), path, "create folder");
    if (!there)
        return there.error();
    if (*there && (*there)->kind == EntryKind::Directory)
        return **there; // made now, or already there
    if (failed)
        return *failed;
    return errnoError("create folder", path, ENOENT);
}

Result<Entry> SftpBackend::makeSymlink(const std::string& path, const std::string& target, int64_t mtimeNs)
{
    const char* op = "create symlink";
    if (!relpath::isValidRelPath(path))
        return invalidPath(op, path);
    auto link = linkFor(op, path);
    if (!link)
        return link.error();
    // Made under a temporary name, then renamed over the path.
    const std::string tmp = relpath::join(relpath::parent(path), tempname::make());
    {
        Call call(**link, callContext());
        // libssh swaps the arguments for OpenSSH, whose order is the reverse of the draft's.
        if (sftp_symlink((*link)->sftp(), target.c_str(), abs(tmp).c_str()) != 0)
            return call.failure(op, path);
        if (auto e = call.interrupted(op, path))
            return *e;
    }
    if (m_side->lsetstat) {
        std::string payload;
        sftpwire::putString(payload, abs(tmp));
        payload += attrsTimes(secondsOf(mtimeNs), secondsOf(mtimeNs));
        CallGuard guard(**link, callContext());
        const int status = (*link)->extendedStatus("lsetstat@openssh.com", payload);
        if (auto r = rawResult(**link, status, "set time of", path, guard); !r && connectionLost())
            return r.error();
    }
    if (!m_side->posixRename) {
        // No atomic replace on this server: the old link goes first.
        auto old = lstatAbs(abs(path), path, op);
        if (old && *old && (*old)->kind != EntryKind::Directory)
            (void)removeFile(path);
    }
    if (auto r = renameAbs(abs(tmp), abs(path), path, true, op); !r) {
        if (!connectionLost())
            (void)removeFile(tmp);
        return r.error();
    }
    auto made = lstatAbs(abs(path), path, op);
    if (!made)
        return made.error();
    if (!*made)
        return errnoError(op, path, ENOENT);
    return **made;
}

Result<Entry> SftpBackend::setTimes(const std::string& path, int64_t mtimeNs)
{
    const char* op = "set time of";
    if (!path.empty() && !relpath::isValidRelPath(path))
        return invalidPath(op, path);
    auto link = linkFor(op, path);
    if (!link)
        return link.error();
    const std::string where = abs(path);
    Attrs a;
    {
        Call call(**link, callContext());
        a.reset(sftp_lstat((*link)->sftp(), where.c_str()));
        if (!a)
            return call.failure(op, path);
    }
    Entry e = entryOf(path, *a);
    const uint32_t seconds = secondsOf(mtimeNs);
    const uint32_t atime = (a->flags & SSH_FILEXFER_ATTR_ACMODTIME) ? a->atime : seconds;
    if (e.kind == EntryKind::Symlink) {
        // SFTP's setstat follows links: only lsetstat@openssh.com sets the
        // link's own time. Without it the link keeps its time (the engine
        // compares links by target, not time).
        if (!m_side->lsetstat)
            return e;
        std::string payload;
        sftpwire::putString(payload, where);
        payload += attrsTimes(atime, seconds);
        CallGuard guard(**link, callContext());
        const int status = (*link)->extendedStatus("lsetstat@openssh.com", payload);
        if (auto r = rawResult(**link, status, op, path, guard); !r)
            return r.error();
    } else {
        sftp_attributes_struct attrs{};
        attrs.flags = SSH_FILEXFER_ATTR_ACMODTIME;
        attrs.atime = atime;
        attrs.mtime = seconds;
        attrs.atime64 = atime;
        attrs.mtime64 = seconds;
        Call call(**link, callContext());
        if (sftp_setstat((*link)->sftp(), where.c_str(), &attrs) != 0)
            return call.failure(op, path);
        if (auto err = call.interrupted(op, path))
            return *err;
    }
    e.mtimeNs = secondsToNs(seconds);
    return e;
}

Result<bool> SftpBackend::removeStaleTemp(const std::string& path)
{
    if (!relpath::isValidRelPath(path))
        return invalidPath("delete", path);
    auto st = stat(path);
    if (!st)
        return st.error();
    if (!*st || (*st)->kind == EntryKind::Directory || (*st)->kind == EntryKind::Special)
        return false;
    bool orphan = false;
    {
        std::lock_guard lock(m_side->mutex);
        auto it = std::find(m_side->orphans.begin(), m_side->orphans.end(), abs(path));
        if (it != m_side->orphans.end()) {
            orphan = true;
            m_side->orphans.erase(it);
        }
    }
    // Without locks over SFTP, a temporary of another run is told by its age:
    // a writer changes its time with every packet.
    const int64_t now = int64_t(::time(nullptr));
    const bool oldEnough = now - (*st)->mtimeNs / kNsPerSecond > 24 * 3600;
    if (!orphan && !oldEnough)
        return false;
    if (auto r = removeFile(path); !r)
        return r.error();
    return true;
}

// ---- versions ---------------------------------------------------------------------------------

Result<std::unique_ptr<Backend>> SftpBackend::versionsStore(const VersioningSettings& settings) const
{
    std::string folder = settings.serverFolder;
    if (folder.empty())
        return Error::abortRun("keep a version of", location(), "no versions folder is set for this server",
                               "Choose a versions folder on the server for this job");
    if (folder == "~" || folder.rfind("~/", 0) == 0)
        folder = "/" + folder;
    if (folder == "/~" || folder.rfind("/~/", 0) == 0)
        folder = m_side->home + folder.substr(2);
    else if (folder.front() != '/')
        folder = (m_side->home.empty() ? std::string() : m_side->home) + "/" + folder;
    // Over this session's connection: part of it (its bounds and its loss).
    auto store = std::unique_ptr<SftpBackend>(new SftpBackend(m_side, folder, m_link));
    store->setCallContext(callContext());
    return std::unique_ptr<Backend>(std::move(store));
}

std::optional<std::string> SftpBackend::placeOf(const Backend& other) const
{
    const auto* sftp = dynamic_cast<const SftpBackend*>(&other);
    if (!sftp)
        return std::nullopt;
    const Location& a = m_side->where;
    const Location& b = sftp->m_side->where;
    if (sftp->m_side != m_side && (a.host != b.host || a.port != b.port || a.user != b.user))
        return std::nullopt;
    const std::string& mine = m_root;
    const std::string& theirs = sftp->m_root;
    if (mine == theirs)
        return std::string();
    const std::string prefix = mine == "/" ? mine : mine + "/";
    if (theirs.size() > prefix.size() && theirs.compare(0, prefix.size(), prefix) == 0)
        return theirs.substr(prefix.size());
    return std::nullopt;
}

Result<void> SftpBackend::moveToStore(const std::string& path, Backend& store, const std::string& target)
{
    const char* op = "keep a version of";
    auto* other = dynamic_cast<SftpBackend*>(&store);
    if (!other || other->m_side != m_side)
        return errnoError(op, path, EXDEV);
    if (!relpath::isValidRelPath(path))
        return invalidPath(op, path);
    if (!relpath::isValidRelPath(target))
        return invalidPath(op, target);
    const std::string to = other->abs(target);
    auto there = lstatAbs(to, target, op);
    if (!there)
        return there.error();
    if (*there)
        return errnoError(op, path, EEXIST);
    auto moved = renameAbs(abs(path), to, path, false, op);
    if (moved || connectionLost() || moved.error().kind == Error::Kind::Cancelled)
        return moved;
    // Tell the documented cases apart: the store's folder missing (ENOENT),
    // the name taken meanwhile (EEXIST), another file system on the server (EXDEV).
    auto folder = lstatAbs(other->abs(std::string(relpath::parent(target))), target, op);
    if (folder && !*folder)
        return errnoError(op, path, ENOENT);
    auto taken = lstatAbs(to, target, op);
    if (taken && *taken)
        return errnoError(op, path, EEXIST);
    auto source = lstatAbs(abs(path), path, op);
    if (source && !*source)
        return errnoError(op, path, ENOENT);
    if (moved.error().osError == 0 && moved.error().kind == Error::Kind::SkipItem)
        return errnoError(op, path, EXDEV);
    return moved;
}

} // namespace ferry

