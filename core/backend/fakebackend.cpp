#include "fakebackend.h"

#include "common/relpath.h"
#include "common/hash.h"
#include "common/tempname.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <thread>

namespace ferry {

namespace fakeprofiles {

FakeProfile posix()
{
    FakeProfile p;
    p.caps.trash = true; // ".trash" at the top of the file system
    return p;
}

FakeProfile caseInsensitive()
{
    FakeProfile p;
    p.name = "case-insensitive";
    p.caps.caseInsensitive = true;
    return p;
}

FakeProfile macLike()
{
    FakeProfile p;
    p.name = "mac-like";
    p.caps.caseInsensitive = true;
    p.caps.normalizationInsensitive = true;
    return p;
}

FakeProfile fatLike()
{
    FakeProfile p;
    p.name = "fat-like";
    p.caps.caseInsensitive = true;
    p.caps.timePrecisionNs = 2000000000;
    p.caps.symlinks = false;
    p.caps.fileIds = false;
    p.caps.windowsNames = true;
    return p;
}

FakeProfile plainServer()
{
    FakeProfile p;
    p.name = "plain-server";
    p.caps.symlinks = false;
    p.caps.fileIds = false;
    p.caps.atomicRename = false;
    p.caps.timePrecisionNs = 1000000000;
    return p;
}

FakeProfile normalizationOnly()
{
    FakeProfile p;
    p.name = "normalization-insensitive";
    p.caps.normalizationInsensitive = true;
    return p;
}

FakeProfile hashingServer()
{
    FakeProfile p;
    p.name = "hashing-server";
    p.caps.serverHashAlgorithm = Capabilities::kOurHash;
    return p;
}

std::vector<FakeProfile> all()
{
    return {posix(), caseInsensitive(), macLike(), fatLike(), plainServer(), normalizationOnly(), hashingServer()};
}

} // namespace fakeprofiles

struct FakeFileSystem::Node {
    EntryKind kind = EntryKind::Directory;
    std::string name;      // the exact bytes it was created with
    std::string content;   // a file's bytes, a symlink's target
    int64_t mtimeNs = 0;
    int64_t birthNs = 0;
    uint32_t mode = 0755;
    uint64_t id = 0;
    std::map<std::string, std::unique_ptr<Node>> children; // by matching key
};

namespace {

using Node = FakeFileSystem::Node;

struct Found {
    Node* parent = nullptr;   // the folder that holds (or would hold) the item; null when it is missing
    Node* node = nullptr;     // the item; null when it is not there
    std::string key;          // the item's key in parent->children
    std::string name;         // the last component as asked for
    int err = 0;              // ENOENT / ENOTDIR when the parent chain is broken
};

std::string keyOf(std::string_view name, const Capabilities& caps)
{
    if (caps.caseInsensitive)
        return relpath::matchKey(name, true);
    if (caps.normalizationInsensitive)
        return relpath::toNfc(name);
    return std::string(name);
}

Found lookup(Node& top, std::string_view path, const Capabilities& caps)
{
    Found f;
    if (path.empty()) {
        f.node = &top;
        return f;
    }
    Node* dir = &top;
    for (;;) {
        size_t slash = path.find('/');
        std::string_view part = path.substr(0, slash);
        std::string key = keyOf(part, caps);
        auto it = dir->children.find(key);
        Node* child = it == dir->children.end() ? nullptr : it->second.get();
        if (slash == std::string_view::npos) {
            f.parent = dir;
            f.node = child;
            f.key = std::move(key);
            f.name = std::string(part);
            return f;
        }
        if (!child) {
            f.err = ENOENT;
            return f;
        }
        if (child->kind != EntryKind::Directory) {
            f.err = ENOTDIR;
            return f;
        }
        dir = child;
        path.remove_prefix(slash + 1);
    }
}

int64_t coarse(int64_t ns, int64_t precision)
{
    if (precision <= 1)
        return ns;
    int64_t q = ns / precision;
    if (ns % precision < 0)
        --q;
    return q * precision;
}

Entry entryOf(const Node& n, const std::string& path, const Capabilities& caps)
{
    Entry e;
    e.path = path;
    e.kind = n.kind;
    e.size = n.kind == EntryKind::Directory ? 0 : int64_t(n.content.size());
    e.mtimeNs = n.mtimeNs;
    e.fileId = caps.fileIds ? n.id : 0;
    e.mode = n.mode;
    return e;
}

// A name the profile's file system refuses: too long, or (Windows names)
// holding a reserved character or ending in a dot or space.
std::optional<Error> refusedName(std::string_view name, const std::string& path, const Capabilities& caps)
{
    if (int(name.size()) > caps.maxNameBytes)
        return errnoError("create", path, ENAMETOOLONG);
    if (caps.windowsNames) {
        bool bad = name.find_first_of("<>:\"\\|?*") != std::string_view::npos || name.back() == '.' ||
                   name.back() == ' ';
        if (bad)
            return Error::skipItem("create", path, "this side does not allow this name (Windows rules)",
                                   "Rename the item on the other side");
    }
    return std::nullopt;
}

} // namespace

// Each read is a call of its own ("read"), as a remote stream's requests are:
// open to faults and stalls.
class FakeReadStream final : public ReadStream {
public:
    FakeReadStream(std::string bytes, std::shared_ptr<FakeFileSystem> fs, std::string rel, CallContext context,
                   std::shared_ptr<std::atomic<bool>> lost, bool isSession)
        : m_bytes(std::move(bytes)), m_fs(std::move(fs)), m_rel(std::move(rel)), m_context(std::move(context)),
          m_lost(std::move(lost)), m_isSession(isSession)
    {
    }
    Result<size_t> read(char* buf, size_t len) override
    {
        if (auto e = m_fs->enter("read", m_rel, m_context, m_lost.get(), m_isSession))
            return *e;
        size_t n = std::min(len, m_bytes.size() - m_offset);
        std::copy_n(m_bytes.data() + m_offset, n, buf);
        m_offset += n;
        return n;
    }

private:
    std::string m_bytes;
    size_t m_offset = 0;
    std::shared_ptr<FakeFileSystem> m_fs;
    std::string m_rel;
    CallContext m_context;
    std::shared_ptr<std::atomic<bool>> m_lost;
    bool m_isSession;
};

class FakeTempFile final : public TempFile {
public:
    FakeTempFile(std::shared_ptr<FakeFileSystem> fs, std::string full, std::string rel, CallContext context,
                 std::shared_ptr<std::atomic<bool>> lost, bool isSession)
        : m_fs(std::move(fs)), m_full(std::move(full)), m_rel(std::move(rel)), m_context(std::move(context)),
          m_lost(std::move(lost)), m_isSession(isSession)
    {
    }
    ~FakeTempFile() override
    {
        // Not a call: a remote backend removes its temporary even after a
        // cancel or a lost connection (on a fresh one if need be).
        if (!m_committed)
            m_fs->removeTree(m_full);
    }
    Result<void> write(const char* buf, size_t len) override
    {
        if (auto e = m_fs->enter("write", m_rel, m_context, m_lost.get(), m_isSession))
            return *e;
        std::lock_guard lock(m_fs->m_mutex);
        Found f = lookup(*m_fs->m_top, m_full, m_fs->m_profile.caps);
        if (!f.node)
            return errnoError("write", m_rel, ENOENT);
        f.node->content.append(buf, len);
        return Ok{};
    }
    const std::string& tempPath() const override { return m_rel; }

    std::shared_ptr<FakeFileSystem> m_fs;
    std::string m_full;
    std::string m_rel;
    CallContext m_context;
    std::shared_ptr<std::atomic<bool>> m_lost;
    bool m_isSession;
    bool m_committed = false;
};

FakeFileSystem::FakeFileSystem(FakeProfile profile) : m_profile(std::move(profile)), m_top(std::make_unique<Node>())
{
    m_top->id = m_nextId++;
}

FakeFileSystem::~FakeFileSystem() = default;

namespace {

Node& makeDirs(Node& top, std::string_view path, const Capabilities& caps, uint64_t& nextId, int64_t& clock)
{
    Node* dir = &top;
    while (!path.empty()) {
        size_t slash = path.find('/');
        std::string_view part = path.substr(0, slash);
        auto& slot = dir->children[keyOf(part, caps)];
        if (!slot || slot->kind != EntryKind::Directory) {
            slot = std::make_unique<Node>();
            slot->name = std::string(part);
            slot->id = nextId++;
            slot->birthNs = clock += 1000;
        }
        dir = slot.get();
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    }
    return *dir;
}

} // namespace

void FakeFileSystem::putFile(const std::string& path, const std::string& content, int64_t mtimeNs, uint32_t mode)
{
    std::lock_guard lock(m_mutex);
    Node& dir = makeDirs(*m_top, relpath::parent(path), m_profile.caps, m_nextId, m_clockNs);
    auto n = std::make_unique<Node>();
    n->kind = EntryKind::File;
    n->name = std::string(relpath::name(path));
    n->content = content;
    n->mtimeNs = coarse(mtimeNs, m_profile.caps.timePrecisionNs);
    n->mode = mode;
    n->id = m_nextId++;
    n->birthNs = m_clockNs += 1000;
    dir.children[keyOf(n->name, m_profile.caps)] = std::move(n);
}

void FakeFileSystem::putDir(const std::string& path)
{
    std::lock_guard lock(m_mutex);
    makeDirs(*m_top, path, m_profile.caps, m_nextId, m_clockNs);
}

void FakeFileSystem::putSymlink(const std::string& path, const std::string& target)
{
    std::lock_guard lock(m_mutex);
    Node& dir = makeDirs(*m_top, relpath::parent(path), m_profile.caps, m_nextId, m_clockNs);
    auto n = std::make_unique<Node>();
    n->kind = EntryKind::Symlink;
    n->name = std::string(relpath::name(path));
    n->content = target;
    n->mode = 0777;
    n->id = m_nextId++;
    dir.children[keyOf(n->name, m_profile.caps)] = std::move(n);
}

bool FakeFileSystem::removeTree(const std::string& path)
{
    std::lock_guard lock(m_mutex);
    Found f = lookup(*m_top, path, m_profile.caps);
    if (!f.node || !f.parent)
        return false;
    f.parent->children.erase(f.key);
    return true;
}

std::map<std::string, std::string> FakeFileSystem::tree(const std::string& root) const
{
    std::lock_guard lock(m_mutex);
    std::map<std::string, std::string> out;
    Found f = lookup(*m_top, root, m_profile.caps);
    if (!f.node)
        return out;
    std::function<void(const Node&, const std::string&)> walk = [&](const Node& dir, const std::string& prefix) {
        for (const auto& [key, child] : dir.children) {
            std::string path = relpath::join(prefix, child->name);
            switch (child->kind) {
            case EntryKind::Directory:
                out[path] = "d";
                walk(*child, path);
                break;
            case EntryKind::Symlink: out[path] = "l:" + child->content; break;
            default: out[path] = "f:" + child->content; break;
            }
        }
    };
    walk(*f.node, {});
    return out;
}

std::optional<std::string> FakeFileSystem::content(const std::string& path) const
{
    std::lock_guard lock(m_mutex);
    Found f = lookup(*m_top, path, m_profile.caps);
    if (!f.node || f.node->kind != EntryKind::File)
        return std::nullopt;
    return f.node->content;
}

void FakeFileSystem::setFault(Fault fault)
{
    std::lock_guard lock(m_mutex);
    m_fault = std::move(fault);
}

void FakeFileSystem::setStall(Stall stall)
{
    std::lock_guard lock(m_mutex);
    m_stall = std::move(stall);
}

void FakeFileSystem::setRequireSessions(bool require)
{
    std::lock_guard lock(m_mutex);
    m_requireSessions = require;
}

int FakeFileSystem::connections() const
{
    std::lock_guard lock(m_mutex);
    return m_connections;
}

int FakeFileSystem::openSessions() const
{
    std::lock_guard lock(m_mutex);
    return m_openSessions;
}

int FakeFileSystem::outsideSessions() const
{
    std::lock_guard lock(m_mutex);
    return m_outsideSessions;
}

int FakeFileSystem::peakSessions() const
{
    std::lock_guard lock(m_mutex);
    return m_peakSessions;
}

int FakeFileSystem::calls(std::string_view operation) const
{
    std::lock_guard lock(m_mutex);
    if (operation.empty()) {
        int n = 0;
        for (const auto& [op, count] : m_calls)
            n += count;
        return n;
    }
    auto it = m_calls.find(operation);
    return it == m_calls.end() ? 0 : it->second;
}

// ---- the backend ---------------------------------------------------------------

FakeBackend::FakeBackend(std::shared_ptr<FakeFileSystem> fs, std::string root) : m_fs(std::move(fs)), m_root(std::move(root))
{
}

FakeBackend::~FakeBackend()
{
    if (m_isSession && m_countsSession) {
        std::lock_guard lock(m_fs->m_mutex);
        --m_fs->m_openSessions;
    }
}

Result<std::unique_ptr<Backend>> FakeBackend::connect(const CallContext& context) const
{
    // A login: counted, open to faults (a refused login, an unreachable
    // host), latency and stalls, bounded by the new session's context.
    std::atomic<bool> failed{false};
    if (auto e = m_fs->enter("connect", {}, context, &failed, true))
        return *e;
    auto session = std::make_unique<FakeBackend>(m_fs, m_root);
    session->m_isSession = true;
    session->setCallContext(context);
    std::lock_guard lock(m_fs->m_mutex);
    ++m_fs->m_connections;
    m_fs->m_peakSessions = std::max(m_fs->m_peakSessions, ++m_fs->m_openSessions);
    return std::unique_ptr<Backend>(std::move(session));
}

std::string FakeBackend::full(const std::string& rel) const { return rel.empty() ? m_root : relpath::join(m_root, rel); }

std::optional<Error> FakeBackend::enter(std::string_view operation, const std::string& path) const
{
    return m_fs->enter(operation, path, callContext(), m_lost.get(), m_isSession);
}

std::optional<Error> FakeFileSystem::enter(std::string_view operation, const std::string& path,
                                           const CallContext& context, std::atomic<bool>* lost, bool isSession)
{
    Fault fault;
    bool stalls = false;
    {
        std::lock_guard lock(m_mutex);
        ++m_calls[std::string(operation)];
        fault = m_fault;
        if (m_requireSessions && !isSession) {
            ++m_outsideSessions;
            return Error::abortRun(std::string(operation), path, "called outside a session (test: requireSessions)");
        }
        stalls = m_stall && m_stall(operation, path);
    }
    if (lost->load())
        return Error::retry(std::string(operation), path, "the connection was lost earlier",
                            "Run the sync again");
    const auto start = std::chrono::steady_clock::now();
    if (m_profile.latency.count() > 0)
        std::this_thread::sleep_for(m_profile.latency);
    // A stalled server: nothing comes back until the caller gives up.
    while (stalls) {
        if (context.cancel.isCancelled())
            return Error::cancelled();
        if (context.timeout.count() > 0 && std::chrono::steady_clock::now() - start >= context.timeout) {
            lost->store(true);
            return callTimedOut(std::string(operation), path, context.timeout);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return fault ? fault(operation, path) : std::nullopt;
}

Result<bool> FakeBackend::rootExists()
{
    if (auto e = enter("rootExists", {}))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    Found f = lookup(*m_fs->m_top, m_root, m_fs->m_profile.caps);
    if (!f.node)
        return false;
    if (f.node->kind != EntryKind::Directory)
        return Error::abortRun("open folder", location(), "this is not a folder", "Point the job at a folder");
    return true;
}

Result<void> FakeBackend::createRoot()
{
    if (auto e = enter("createRoot", {}))
        return *e;
    m_fs->putDir(m_root);
    return Ok{};
}

Result<RootIdentity> FakeBackend::rootIdentity()
{
    if (auto e = enter("rootIdentity", {}))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    Found f = lookup(*m_fs->m_top, m_root, m_fs->m_profile.caps);
    if (!f.node)
        return errnoError("open folder", location(), ENOENT);
    RootIdentity id;
    id.device = uint64_t(reinterpret_cast<uintptr_t>(m_fs.get()));
    id.fileId = f.node->id;
    id.birthNs = f.node->birthNs;
    id.known = true;
    return id;
}

Result<std::vector<ListedItem>> FakeBackend::list(const std::string& dir)
{
    if (auto e = enter("list", dir))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    const Capabilities& caps = m_fs->m_profile.caps;
    Found f = lookup(*m_fs->m_top, full(dir), caps);
    if (!f.node)
        return errnoError("list folder", dir, f.err ? f.err : ENOENT);
    if (f.node->kind != EntryKind::Directory)
        return errnoError("list folder", dir, ENOTDIR);
    std::vector<ListedItem> items;
    items.reserve(f.node->children.size());
    for (const auto& [key, child] : f.node->children) {
        if (!relpath::isValidName(child->name))
            continue;
        ListedItem item{entryOf(*child, relpath::join(dir, child->name), caps), {}};
        if (child->kind == EntryKind::Symlink)
            item.linkTarget = child->content;
        items.push_back(std::move(item));
    }
    return items;
}

Result<std::optional<Entry>> FakeBackend::stat(const std::string& path)
{
    if (auto e = enter("stat", path))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    Found f = lookup(*m_fs->m_top, full(path), m_fs->m_profile.caps);
    if (!f.node)
        return std::optional<Entry>{};
    return std::optional<Entry>{entryOf(*f.node, path, m_fs->m_profile.caps)};
}

Result<std::string> FakeBackend::readLink(const std::string& path)
{
    if (auto e = enter("readLink", path))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    Found f = lookup(*m_fs->m_top, full(path), m_fs->m_profile.caps);
    if (!f.node)
        return errnoError("read symlink", path, ENOENT);
    if (f.node->kind != EntryKind::Symlink)
        return errnoError("read symlink", path, EINVAL);
    return f.node->content;
}

Result<std::unique_ptr<ReadStream>> FakeBackend::openRead(const std::string& path)
{
    if (auto e = enter("openRead", path))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    Found f = lookup(*m_fs->m_top, full(path), m_fs->m_profile.caps);
    if (!f.node)
        return errnoError("open", path, f.err ? f.err : ENOENT);
    if (f.node->kind == EntryKind::Directory)
        return errnoError("open", path, EISDIR);
    if (f.node->kind == EntryKind::Symlink)
        return errnoError("open", path, ELOOP);
    return std::unique_ptr<ReadStream>(
        std::make_unique<FakeReadStream>(f.node->content, m_fs, path, callContext(), m_lost, m_isSession));
}

Result<std::unique_ptr<TempFile>> FakeBackend::createTemp(const std::string& dir, uint32_t mode)
{
    if (auto e = enter("createTemp", dir))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    const Capabilities& caps = m_fs->m_profile.caps;
    Found d = lookup(*m_fs->m_top, full(dir), caps);
    if (!d.node || d.node->kind != EntryKind::Directory)
        return errnoError("create temporary file in", dir.empty() ? location() : dir, d.node ? ENOTDIR : ENOENT);
    auto n = std::make_unique<Node>();
    n->kind = EntryKind::File;
    n->name = tempname::make();
    n->mode = mode;
    n->id = m_fs->m_nextId++;
    const std::string rel = relpath::join(dir, n->name);
    const std::string key = keyOf(n->name, caps);
    d.node->children[key] = std::move(n);
    return std::unique_ptr<TempFile>(
        std::make_unique<FakeTempFile>(m_fs, full(rel), rel, callContext(), m_lost, m_isSession));
}

Result<Entry> FakeBackend::commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs,
                                  uint32_t mode, bool mayReplace)
{
    auto* t = static_cast<FakeTempFile*>(temp.get());
    if (auto e = enter("commit", path))
        return *e; // the temporary goes with `temp`
    std::lock_guard lock(m_fs->m_mutex);
    const Capabilities& caps = m_fs->m_profile.caps;
    Found src = lookup(*m_fs->m_top, t->m_full, caps);
    if (!src.node)
        return errnoError("write", path, ENOENT);
    Found dst = lookup(*m_fs->m_top, full(path), caps);
    if (!dst.parent)
        return errnoError("create", path, dst.err ? dst.err : ENOENT);
    if (auto refused = refusedName(dst.name, path, caps))
        return *refused;
    if (dst.node) {
        if (!mayReplace)
            return Error::skipItem("create", path, "something appeared at this name since the scan, so it was left alone",
                                   "Run the sync again to pick up the change");
        if (dst.node->kind == EntryKind::Directory)
            return errnoError("replace", path, EISDIR);
        if (!caps.atomicRename) // like a server whose rename never replaces
            return errnoError("replace", path, EEXIST);
    }
    std::unique_ptr<Node> node = std::move(src.parent->children[src.key]);
    src.parent->children.erase(src.key);
    node->name = dst.name;
    node->mtimeNs = coarse(mtimeNs, caps.timePrecisionNs);
    node->mode = mode & 07777;
    node->birthNs = m_fs->m_clockNs += 1000;
    Entry committed = entryOf(*node, path, caps);
    dst.parent->children[dst.key] = std::move(node); // replaces what was there
    t->m_committed = true;
    return committed;
}

Result<Entry> FakeBackend::rename(const std::string& from, const std::string& to)
{
    if (auto e = enter("rename", from))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    const Capabilities& caps = m_fs->m_profile.caps;
    Found src = lookup(*m_fs->m_top, full(from), caps);
    if (!src.node || !src.parent)
        return errnoError("rename", from, src.err ? src.err : ENOENT);
    Found dst = lookup(*m_fs->m_top, full(to), caps);
    if (!dst.parent)
        return errnoError("rename", from, dst.err ? dst.err : ENOENT);
    if (dst.node && dst.node != src.node) // a case-only rename on a folding side finds itself
        return Error::skipItem("rename", from, "'" + to + "' already exists", "Move the other item away, then run the sync again");
    if (auto refused = refusedName(dst.name, to, caps))
        return *refused;
    if (src.node->kind == EntryKind::Directory && relpath::isInside(full(to), full(from)) && to != from)
        return errnoError("rename", from, EINVAL);
    std::unique_ptr<Node> node = std::move(src.parent->children[src.key]);
    src.parent->children.erase(src.key);
    node->name = dst.name;
    Entry moved = entryOf(*node, to, caps);
    dst.parent->children[dst.key] = std::move(node);
    return moved;
}

Result<void> FakeBackend::removeFile(const std::string& path)
{
    if (auto e = enter("removeFile", path))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    Found f = lookup(*m_fs->m_top, full(path), m_fs->m_profile.caps);
    if (!f.node)
        return Ok{};
    if (f.node->kind == EntryKind::Directory)
        return errnoError("delete", path, EISDIR);
    f.parent->children.erase(f.key);
    return Ok{};
}

Result<void> FakeBackend::removeDir(const std::string& path)
{
    if (auto e = enter("removeDir", path))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    Found f = lookup(*m_fs->m_top, full(path), m_fs->m_profile.caps);
    if (!f.node)
        return Ok{};
    if (f.node->kind != EntryKind::Directory)
        return errnoError("delete folder", path, ENOTDIR);
    if (!f.node->children.empty())
        return errnoError("delete folder", path, ENOTEMPTY);
    f.parent->children.erase(f.key);
    return Ok{};
}

Result<Entry> FakeBackend::makeDir(const std::string& path, uint32_t mode)
{
    if (auto e = enter("makeDir", path))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    const Capabilities& caps = m_fs->m_profile.caps;
    Found f = lookup(*m_fs->m_top, full(path), caps);
    if (!f.parent)
        return errnoError("create folder", path, f.err ? f.err : ENOENT);
    if (f.node)
        return f.node->kind == EntryKind::Directory ? Result<Entry>(entryOf(*f.node, path, caps))
                                                    : Result<Entry>(errnoError("create folder", path, EEXIST));
    if (auto refused = refusedName(f.name, path, caps))
        return *refused;
    auto n = std::make_unique<Node>();
    n->name = f.name;
    n->mode = mode ? mode & 07777 : 0755;
    n->id = m_fs->m_nextId++;
    n->birthNs = m_fs->m_clockNs += 1000;
    Entry made = entryOf(*n, path, caps);
    f.parent->children[f.key] = std::move(n);
    return made;
}

Result<Entry> FakeBackend::makeSymlink(const std::string& path, const std::string& target, int64_t mtimeNs)
{
    if (auto e = enter("makeSymlink", path))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    const Capabilities& caps = m_fs->m_profile.caps;
    if (!caps.symlinks)
        return Error::skipItem("create symlink", path, "this side does not support symbolic links",
                               "Exclude the link, or sync to a side that keeps links");
    Found f = lookup(*m_fs->m_top, full(path), caps);
    if (!f.parent)
        return errnoError("create symlink", path, f.err ? f.err : ENOENT);
    if (f.node && f.node->kind == EntryKind::Directory)
        return errnoError("create symlink", path, EISDIR);
    if (auto refused = refusedName(f.name, path, caps))
        return *refused;
    auto n = std::make_unique<Node>();
    n->kind = EntryKind::Symlink;
    n->name = f.name;
    n->content = target;
    n->mtimeNs = coarse(mtimeNs, caps.timePrecisionNs);
    n->mode = 0777;
    n->id = m_fs->m_nextId++;
    Entry made = entryOf(*n, path, caps);
    f.parent->children[f.key] = std::move(n);
    return made;
}

Result<Entry> FakeBackend::setTimes(const std::string& path, int64_t mtimeNs)
{
    if (auto e = enter("setTimes", path))
        return *e;
    std::lock_guard lock(m_fs->m_mutex);
    Found f = lookup(*m_fs->m_top, full(path), m_fs->m_profile.caps);
    if (!f.node)
        return errnoError("set time of", path, f.err ? f.err : ENOENT);
    f.node->mtimeNs = coarse(mtimeNs, m_fs->m_profile.caps.timePrecisionNs);
    return entryOf(*f.node, path, m_fs->m_profile.caps);
}

Result<std::unique_ptr<Backend>> FakeBackend::versionsStore(const VersioningSettings& settings) const
{
    std::string folder = settings.serverFolder;
    while (!folder.empty() && folder.front() == '/')
        folder.erase(0, 1);
    if (folder.empty() || !relpath::isValidRelPath(folder))
        return Error::abortRun("keep a version of", location(), "no versions folder is set for this server",
                               "Choose a versions folder on the server for this job");
    // A store goes over its side's connection, as on a server: asked of a
    // session, it is part of that session (its calls, bounds and loss);
    // asked of the side as opened, it has no session either.
    auto store = std::make_unique<FakeBackend>(m_fs, folder);
    store->m_isSession = m_isSession;
    store->m_countsSession = false;
    store->m_lost = m_lost;
    store->setCallContext(callContext());
    return std::unique_ptr<Backend>(std::move(store));
}

std::optional<std::string> FakeBackend::placeOf(const Backend& other) const
{
    const auto* fake = dynamic_cast<const FakeBackend*>(&other);
    if (!fake || fake->m_fs != m_fs)
        return std::nullopt;
    const Capabilities& caps = m_fs->profile().caps;
    const std::string mine = relpath::matchKey(m_root, caps.caseInsensitive);
    const std::string theirs = relpath::matchKey(fake->m_root, caps.caseInsensitive);
    if (mine == theirs)
        return std::string();
    if (!relpath::isInside(theirs, mine))
        return std::nullopt;
    return mine.empty() ? fake->m_root : fake->m_root.substr(m_root.size() + 1);
}

namespace {

// Moves the node at `from` to `to` (both from the top) without replacing
// anything; the caller holds the file system's mutex.
Result<void> moveNode(Node& top, const std::string& from, const std::string& to, const std::string& path,
                      const char* op, const Capabilities& caps)
{
    Found src = lookup(top, from, caps);
    if (!src.node || !src.parent)
        return errnoError(op, path, src.err ? src.err : ENOENT);
    if (src.node->kind == EntryKind::Directory)
        return errnoError(op, path, EISDIR);
    Found dst = lookup(top, to, caps);
    if (!dst.parent)
        return errnoError(op, path, dst.err ? dst.err : ENOENT);
    if (dst.node)
        return errnoError(op, path, EEXIST);
    std::unique_ptr<Node> node = std::move(src.parent->children[src.key]);
    src.parent->children.erase(src.key);
    node->name = dst.name;
    dst.parent->children[dst.key] = std::move(node);
    return Ok{};
}

} // namespace

Result<void> FakeBackend::moveToStore(const std::string& path, Backend& store, const std::string& target)
{
    if (auto e = enter("moveToStore", path))
        return *e;
    auto* fake = dynamic_cast<FakeBackend*>(&store);
    if (!fake || fake->m_fs != m_fs)
        return errnoError("keep a version of", path, EXDEV);
    std::lock_guard lock(m_fs->m_mutex);
    return moveNode(*m_fs->m_top, full(path), fake->full(target), path, "keep a version of", m_fs->m_profile.caps);
}

Result<void> FakeBackend::moveToTrash(const std::string& path)
{
    if (auto e = enter("moveToTrash", path))
        return *e;
    if (!m_fs->m_profile.caps.trash)
        return Backend::moveToTrash(path);
    m_fs->putDir(".trash");
    std::lock_guard lock(m_fs->m_mutex);
    const std::string name(relpath::name(path));
    for (int n = 1; n <= 1000; ++n) {
        const std::string candidate = n == 1 ? name : name + "." + std::to_string(n);
        auto r = moveNode(*m_fs->m_top, full(path), ".trash/" + candidate, path, "move to trash", m_fs->m_profile.caps);
        if (r || r.error().osError != EEXIST)
            return r;
    }
    return Error::skipItem("move to trash", path, "no free name in the trash", "Empty the trash");
}

Result<std::optional<ContentHash>> FakeBackend::serverHash(const std::string& path)
{
    if (auto e = enter("serverHash", path))
        return *e;
    if (m_fs->m_profile.caps.serverHashAlgorithm.empty())
        return std::optional<ContentHash>{};
    std::lock_guard lock(m_fs->m_mutex);
    Found f = lookup(*m_fs->m_top, full(path), m_fs->m_profile.caps);
    if (!f.node)
        return errnoError("open", path, f.err ? f.err : ENOENT);
    if (f.node->kind != EntryKind::File)
        return errnoError("open", path, EISDIR);
    return std::optional<ContentHash>{hashBytes(f.node->content)};
}

Result<void> FakeBackend::flushWrites()
{
    if (auto e = enter("flushWrites", {}))
        return *e;
    return Ok{};
}


// Pipelined, as a remote backend would walk over one session: up to
// kInFlight listings run at once on helper threads (each a list() call, with
// its latency, faults and stalls), and this thread hands the results to the
// visitor in the serial walk's order. A folder is listed only once the
// visitor has accepted it (enter()), when its parent's listing arrives.
Result<void> FakeBackend::walk(const std::string& dir, WalkVisitor& visitor)
{
    constexpr int kInFlight = 4;
    struct Shared {
        std::mutex mutex;
        std::condition_variable changed;
        std::deque<std::string> queue; // to list; the one needed soonest first
        std::map<std::string, Result<std::vector<ListedItem>>> listed;
        bool stopping = false;
    } sh;
    auto helper = [&] {
        std::unique_lock lock(sh.mutex);
        for (;;) {
            sh.changed.wait(lock, [&] { return sh.stopping || !sh.queue.empty(); });
            if (sh.stopping)
                return;
            std::string folder = std::move(sh.queue.front());
            sh.queue.pop_front();
            lock.unlock();
            auto items = list(folder); // safe beside the others: list() only reads this object
            lock.lock();
            sh.listed.emplace(std::move(folder), std::move(items));
            sh.changed.notify_all();
        }
    };
    std::vector<std::jthread> helpers;
    struct StopHelpers {
        Shared& sh;
        std::vector<std::jthread>& helpers;
        ~StopHelpers()
        {
            {
                std::lock_guard lock(sh.mutex);
                sh.stopping = true;
            }
            sh.changed.notify_all();
            helpers.clear(); // joins; a stalled listing ends by its context
        }
    } stopHelpers{sh, helpers};
    for (int i = 0; i < kInFlight; ++i)
        helpers.emplace_back(helper);

    auto schedule = [&](std::vector<std::string> folders) { // in visiting order
        if (folders.empty())
            return;
        {
            std::lock_guard lock(sh.mutex);
            sh.queue.insert(sh.queue.begin(), std::make_move_iterator(folders.begin()),
                            std::make_move_iterator(folders.end()));
        }
        sh.changed.notify_all();
    };
    auto take = [&](const std::string& folder) {
        std::unique_lock lock(sh.mutex);
        sh.changed.wait(lock, [&] { return sh.listed.count(folder) > 0; });
        auto node = sh.listed.extract(folder);
        return std::move(node.mapped());
    };

    TakeListing listing = [&](const std::string& folder, std::optional<Error>& ended)
        -> std::optional<Result<std::vector<ListedItem>>> {
        auto listed = take(folder);
        if (!listed && (listed.error().kind == Error::Kind::Cancelled || connectionLost())) {
            ended = listed.error();
            return std::nullopt;
        }
        return listed;
    };
    schedule({dir});
    return walkListedAhead(dir, visitor, listing, schedule);
}

} // namespace ferry
