// SftpBackend::walk: several folders' listings in flight on one session.
#include "backend/sftpdetail.h"

#include "common/relpath.h"

#include <deque>
#include <map>

namespace ferry {

using namespace sftpdetail;

namespace {

constexpr uint8_t kFxpClose = 4, kFxpOpendir = 11, kFxpReaddir = 12, kFxpReadlink = 19;
constexpr uint8_t kFxpStatus = 101, kFxpHandle = 102, kFxpName = 104;
constexpr size_t kListingsInFlight = 8;

// Reads SFTP v3 wire values from an answer's body.
struct WireReader {
    const std::string& s;
    size_t pos = 0;
    bool ok = true;
    uint32_t u32()
    {
        if (pos + 4 > s.size()) {
            ok = false;
            return 0;
        }
        const auto* p = reinterpret_cast<const unsigned char*>(s.data() + pos);
        pos += 4;
        return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
    }
    uint64_t u64()
    {
        const uint64_t hi = u32();
        return hi << 32 | u32();
    }
    std::string str()
    {
        const uint32_t n = u32();
        if (!ok || pos + n > s.size()) {
            ok = false;
            return {};
        }
        std::string out = s.substr(pos, n);
        pos += n;
        return out;
    }
    sftp_attributes_struct attrs()
    {
        sftp_attributes_struct a{};
        a.flags = u32();
        if (a.flags & SSH_FILEXFER_ATTR_SIZE)
            a.size = u64();
        if (a.flags & SSH_FILEXFER_ATTR_UIDGID) {
            a.uid = u32();
            a.gid = u32();
        }
        if (a.flags & SSH_FILEXFER_ATTR_PERMISSIONS)
            a.permissions = u32();
        if (a.flags & SSH_FILEXFER_ATTR_ACMODTIME) {
            a.atime = u32();
            a.mtime = u32();
        }
        if (a.flags & SSH_FILEXFER_ATTR_EXTENDED) {
            const uint32_t count = u32();
            for (uint32_t i = 0; i < count && ok; ++i) {
                (void)str();
                (void)str();
            }
        }
        return a;
    }
};

} // namespace

// Several folders listed at once on this session's channel, with raw
// OPENDIR/READDIR/READLINK/CLOSE requests answered in the order asked (as
// OpenSSH answers), and handed to the visitor in the serial walk's order.
// A folder is listed only once the visitor accepted it (enter()).
class SftpBackend::PipelinedLister {
public:
    PipelinedLister(SftpBackend& backend, SftpLink& link) : m_b(backend), m_link(link) {}
    ~PipelinedLister() { stop(); }

    // Asks for `folders` (in visiting order) before any already waiting.
    void schedule(const std::vector<std::string>& folders)
    {
        m_queue.insert(m_queue.begin(), folders.begin(), folders.end());
    }
    // The listing of `folder`, waiting for it as needed; nullopt when the
    // walk must end (`ended` says why).
    std::optional<Result<std::vector<ListedItem>>> take(const std::string& folder, std::vector<Error>& refused)
    {
        if (!m_listings.count(folder)) {
            auto queued = std::find(m_queue.begin(), m_queue.end(), folder);
            if (queued != m_queue.end())
                m_queue.erase(queued);
            m_queue.push_front(folder);
        }
        for (;;) {
            auto it = m_listings.find(folder);
            if (it != m_listings.end() && it->second.done) {
                Listing l = std::move(it->second);
                m_listings.erase(it);
                refused = std::move(l.refused);
                if (l.error)
                    return Result<std::vector<ListedItem>>(*l.error);
                return Result<std::vector<ListedItem>>(std::move(l.items));
            }
            if (!pump())
                return std::nullopt;
        }
    }
    std::optional<Error> ended;

private:
    enum class Kind { Open, Read, Close, ReadLink };
    struct Request {
        uint32_t id;
        std::string folder;
        Kind kind;
        size_t item = 0;
    };
    struct Listing {
        std::string handle;
        std::vector<ListedItem> items;
        std::vector<Error> refused;
        std::optional<Error> error;
        size_t linksDue = 0;
        bool closed = false;
        bool done = false;
    };

    bool send(uint8_t type, const std::string& payload, const std::string& folder, Kind kind, size_t item = 0)
    {
        const uint32_t id = m_link.sendRaw(type, payload);
        if (!id) {
            ended = lostError("list folder", folder);
            return false;
        }
        m_inFlight.push_back(Request{id, folder, kind, item});
        return true;
    }
    bool sendPath(uint8_t type, const std::string& path, const std::string& folder, Kind kind, size_t item = 0)
    {
        std::string payload;
        sftpwire::putString(payload, path);
        return send(type, payload, folder, kind, item);
    }
    bool sendHandle(uint8_t type, const Listing& l, const std::string& folder, Kind kind)
    {
        std::string payload;
        sftpwire::putString(payload, l.handle);
        return send(type, payload, folder, kind);
    }

    // Starts what may start, then handles the oldest answer. False when the walk must end.
    bool pump()
    {
        while (!m_stopping && m_active < kListingsInFlight && !m_queue.empty()) {
            const std::string folder = m_queue.front();
            m_queue.pop_front();
            m_listings[folder];
            ++m_active;
            if (!sendPath(kFxpOpendir, m_b.abs(folder), folder, Kind::Open))
                return false;
        }
        if (m_inFlight.empty())
            return !m_stopping;
        const Request r = m_inFlight.front();
        m_inFlight.pop_front();
        uint8_t type = 0;
        std::string body;
        CallGuard guard(m_link, m_b.callContext());
        const bool got = m_link.awaitPacket(r.id, type, body);
        if (auto broken = guard.end("list folder", r.folder)) {
            ended = *broken;
            return false;
        }
        if (!got) {
            ended = lostError("list folder", r.folder);
            return false;
        }
        return handle(r, type, body);
    }

    bool finishListing(Listing& l)
    {
        if (l.closed && l.linksDue == 0 && !l.done) {
            l.done = true;
            --m_active;
        }
        return true;
    }

    bool handle(const Request& r, uint8_t type, const std::string& body)
    {
        Listing& l = m_listings[r.folder];
        const std::string shown = r.folder.empty() ? m_b.m_root : r.folder;
        WireReader in{body};
        switch (r.kind) {
        case Kind::Open:
            if (type == kFxpHandle) {
                l.handle = in.str();
                return m_stopping ? sendHandle(kFxpClose, l, r.folder, Kind::Close)
                                  : sendHandle(kFxpReaddir, l, r.folder, Kind::Read);
            }
            l.error = statusError(type == kFxpStatus ? int(in.u32()) : SSH_FX_FAILURE, "list folder", shown);
            l.closed = true;
            return finishListing(l);
        case Kind::Read:
            if (type == kFxpName && !m_stopping) {
                const uint32_t count = in.u32();
                for (uint32_t i = 0; i < count && in.ok; ++i) {
                    const std::string name = in.str();
                    (void)in.str(); // the long name (ls -l)
                    const sftp_attributes_struct a = in.attrs();
                    if (!in.ok)
                        break;
                    if (name == "." || name == "..")
                        continue;
                    if (!relpath::isValidName(name)) {
                        ++m_b.m_refusedNames;
                        l.refused.push_back(Error::skipItem("list folder", shown,
                                                            "the server lists an item named '" + printable(name) +
                                                                "', which is not a valid file name; it was left alone",
                                                            "Rename or remove it on the server"));
                        continue;
                    }
                    l.items.push_back(ListedItem{entryOf(relpath::join(r.folder, name), a), {}});
                }
                if (!in.ok) {
                    ended = lostError("list folder", shown);
                    m_link.markLost();
                    return false;
                }
                return sendHandle(kFxpReaddir, l, r.folder, Kind::Read);
            }
            if (type == kFxpStatus && in.u32() != SSH_FX_EOF && !m_stopping)
                l.error = Error::skipItem("list folder", shown, "the server stopped the listing part-way",
                                          "Run the sync again");
            if (!sendHandle(kFxpClose, l, r.folder, Kind::Close))
                return false;
            for (size_t i = 0; i < l.items.size() && !m_stopping && !l.error; ++i)
                if (l.items[i].entry.kind == EntryKind::Symlink) {
                    ++l.linksDue;
                    if (!sendPath(kFxpReadlink, m_b.abs(l.items[i].entry.path), r.folder, Kind::ReadLink, i))
                        return false;
                }
            return true;
        case Kind::Close:
            l.closed = true;
            return finishListing(l);
        case Kind::ReadLink:
            if (type == kFxpName && in.u32() >= 1) {
                ListedItem& item = l.items[r.item];
                item.linkTarget = in.str();
                item.entry.size = int64_t(item.linkTarget.size());
            }
            --l.linksDue;
            return finishListing(l);
        }
        return true;
    }

    // Collects every answer still due and closes every open folder.
    void stop()
    {
        m_stopping = true;
        m_queue.clear();
        while (!m_inFlight.empty() && !m_link.lost())
            if (!pump())
                break;
        if (m_link.lost())
            m_inFlight.clear();
    }

    SftpBackend& m_b;
    SftpLink& m_link;
    std::deque<std::string> m_queue;
    std::map<std::string, Listing> m_listings;
    std::deque<Request> m_inFlight;
    size_t m_active = 0;
    bool m_stopping = false;
};

Result<std::vector<ListedItem>> SftpBackend::list(const std::string& dir)
{
    // Through the lister, not libssh's sftp_readdir: libssh cuts a name at a
    // NUL byte ("nul\0byte" comes back as "nul", another name that may
    // exist), where the lister reads each name's bytes and refuses it.
    if (!dir.empty() && !relpath::isValidRelPath(dir))
        return invalidPath("list folder", dir);
    auto link = linkFor("list folder", dir);
    if (!link)
        return link.error();
    PipelinedLister lister(*this, **link);
    std::vector<Error> refused;
    auto listed = lister.take(dir, refused);
    if (!listed)
        return lister.ended ? *lister.ended : lostError("list folder", dir);
    return std::move(*listed);
}

Result<void> SftpBackend::walk(const std::string& dir, WalkVisitor& visitor)
{
    // As Backend::walk, with up to kListingsInFlight folders listed at once
    // (see PipelinedLister); names the server lists that are not valid go to
    // the visitor as refused items.
    if (!dir.empty() && !relpath::isValidRelPath(dir))
        return invalidPath("list folder", dir);
    auto link = linkFor("list folder", dir);
    if (!link)
        return link.error();
    PipelinedLister lister(*this, **link);
    TakeListing take = [&](const std::string& folder, std::optional<Error>& ended)
        -> std::optional<Result<std::vector<ListedItem>>> {
        std::vector<Error> refused;
        auto listed = lister.take(folder, refused);
        if (!listed) {
            ended = lister.ended ? *lister.ended : lostError("list folder", folder);
            return std::nullopt;
        }
        for (const Error& e : refused)
            visitor.refused(folder, e);
        return std::move(*listed);
    };
    return walkListedAhead(dir, visitor, take, [&](std::vector<std::string> folders) { lister.schedule(folders); });
}

} // namespace ferry
