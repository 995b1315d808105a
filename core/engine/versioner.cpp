#include "versioner.h"

#include "backend/localbackend.h" // copyStream
#include "common/relpath.h"
#include "common/timens.h"
#include "engine/reasons.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <map>

namespace ferry {

namespace {

// Creates the folder `rel` (with its parents, and the root) on `b`.
Result<void> makeDirs(Backend& b, const std::string& rel)
{
    if (auto r = b.createRoot(); !r)
        return r;
    for (size_t slash = rel.find('/');; slash = rel.find('/', slash + 1)) {
        const std::string partial = rel.substr(0, slash);
        if (!partial.empty())
            if (auto r = b.makeDir(partial, 0); !r)
                return r.error();
        if (slash == std::string::npos)
            return Ok{};
    }
}

// The path of a store's item as a user sees it: "<store location>/<path>".
std::string shownPath(const Backend& store, const std::string& path)
{
    const std::string loc = store.location();
    return loc.empty() || loc.back() == '/' ? loc + path : loc + "/" + path;
}

int64_t parseStamp(const std::string& s)
{
    // "YYYY-MM-DD HHMMSS"
    struct tm t {};
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d %2d%2d%2d", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour, &t.tm_min,
                    &t.tm_sec) != 6)
        return -1;
    t.tm_year -= 1900;
    t.tm_mon -= 1;
    return secondsToNs(int64_t(timegm(&t)));
}

void splitName(const std::string& name, std::string& stem, std::string& ext)
{
    size_t dot = name.rfind('.');
    if (dot == std::string::npos || dot == 0) {
        stem = name;
        ext.clear();
    } else {
        stem = name.substr(0, dot);
        ext = name.substr(dot);
    }
}

// Still the same item, untouched: kind, size and time, and where the side
// tells them, its file id and its change time (which moves with every write,
// even one that puts the time back).
bool unchangedSince(const Entry& now, const Entry& then)
{
    return now.kind == then.kind && now.size == then.size && now.mtimeNs == then.mtimeNs &&
           !(now.fileId && then.fileId && now.fileId != then.fileId) &&
           !(now.changeNs && then.changeNs && now.changeNs != then.changeNs);
}

} // namespace

Versioner::Versioner(VersioningSettings settings, int64_t runStampNs)
    : m_settings(std::move(settings)), m_stamp(formatStamp(runStampNs))
{
}

std::string Versioner::versionName(const std::string& name, const std::string& stamp)
{
    std::string stem, ext;
    splitName(name, stem, ext);
    return stem + " " + stamp + ext;
}

bool Versioner::parseVersionName(const std::string& file, std::string& original, int64_t& stampNs)
{
    // <stem> YYYY-MM-DD HHMMSS[-N]<ext>
    for (size_t sp = file.find(' '); sp != std::string::npos; sp = file.find(' ', sp + 1)) {
        if (file.size() < sp + 18)
            return false;
        std::string stamp = file.substr(sp + 1, 17);
        int64_t ns = parseStamp(stamp);
        if (ns < 0 || stamp[4] != '-' || stamp[10] != ' ')
            continue;
        size_t rest = sp + 18;
        if (rest < file.size() && file[rest] == '-') {
            size_t k = rest + 1;
            while (k < file.size() && std::isdigit(static_cast<unsigned char>(file[k])))
                ++k;
            if (k == rest + 1)
                continue;
            rest = k;
        }
        std::string ext = file.substr(rest);
        if (!ext.empty() && (ext[0] != '.' || ext.find(' ') != std::string::npos))
            continue;
        original = file.substr(0, sp) + ext;
        stampNs = ns;
        return true;
    }
    return false;
}

Result<void> Versioner::preserve(Backend& side, const std::string& path) { return preserveAs(side, path, path); }

Result<void> Versioner::preserveAs(Backend& side, const std::string& path, const std::string& versionOf)
{
    switch (m_settings.mode) {
    case VersioningSettings::Mode::None: return Ok{};
    case VersioningSettings::Mode::Folder: {
        auto store = side.versionsStore(m_settings);
        if (!store) {
            Error e = store.error();
            e.path = path;
            return e;
        }
        return toFolder(side, **store, path, versionOf);
    }
    case VersioningSettings::Mode::Trash:
        if (!side.capabilities().trash)
            return Error::abortRun("move to trash", path, "'" + side.location() + "' has no trash",
                                   "Choose a versions folder for this job instead of the trash");
        return side.moveToTrash(path);
    }
    return Ok{};
}

// A failure to write into the versions folder, told in the user's terms:
// the file being versioned and the versions folder, not a temporary name
// and "the target drive".
Error Versioner::storeError(const Backend& store, const std::string& path, const Error& cause) const
{
    Error e = cause;
    e.operation = "keep a version of";
    e.path = path;
    const std::string folder = store.location();
    e.detail = cause.detail + " while writing into the versions folder '" + shownPath(store, m_settings.owner) + "'";
    const bool full = cause.osError == ENOSPC || cause.osError == EDQUOT;
    e.nextStep = full ? "Free some space on the drive of the versions folder '" + folder +
                            "' (or raise the quota), or choose another versions folder; the file was left as it was"
                      : "Check that the versions folder '" + folder +
                            "' may be written, or choose another one; the file was left as it was";
    return e;
}

std::string Versioner::candidate(const std::string& dir, const std::string& name, int n) const
{
    return relpath::join(dir, versionName(name, n == 1 ? m_stamp : m_stamp + "-" + std::to_string(n)));
}

Result<void> Versioner::toFolder(Backend& side, Backend& store, const std::string& path, const std::string& versionOf)
{
    const std::string_view parent = relpath::parent(versionOf);
    const std::string dir = parent.empty() ? m_settings.owner : relpath::join(m_settings.owner, parent);
    const std::string name(relpath::name(versionOf));
    // The rename never replaces: a name taken (by a parallel worker, or an
    // earlier version in the same second) moves on to the next suffix, and
    // the folders are made only when the first try finds them missing.
    bool madeDirs = false;
    for (int n = 1; n <= 10000;) {
        auto moved = side.moveToStore(path, store, candidate(dir, name, n));
        if (moved)
            return Ok{};
        const int err = moved.error().osError;
        if (err == EEXIST) {
            ++n;
        } else if (err == ENOENT && !madeDirs) {
            if (auto r = makeDirs(store, dir); !r)
                return storeError(store, path, r.error());
            madeDirs = true;
        } else if (err == EXDEV) {
            // Another file system (or a store the side cannot rename into).
            if (!madeDirs)
                if (auto r = makeDirs(store, dir); !r)
                    return storeError(store, path, r.error());
            return copyToFolder(side, store, path, dir, name);
        } else {
            Error e = moved.error();
            if (e.osError != 0 && e.operation == "keep a version of")
                e.nextStep = "Check that the versions folder '" + shownPath(store, m_settings.owner) +
                             "' is writable, then run again";
            return e;
        }
    }
    return Error::skipItem("keep a version of", path, "no free version name", "Apply retention, then run again");
}

// Reads the old version through the side, writes it into the store, puts it
// on the store's disk, and only then removes the original.
Result<void> Versioner::copyToFolder(Backend& side, Backend& store, const std::string& path, const std::string& dir,
                                     const std::string& name)
{
    auto st = side.stat(path);
    if (!st)
        return st.error();
    if (!*st)
        return errnoError("keep a version of", path, ENOENT);
    const Entry& item = **st;
    // Its permissions, as a version moved by rename keeps them (a restored
    // script must still run); never setuid or setgid in the store.
    const uint32_t mode = item.mode & 0777 ? item.mode & 0777 : 0644;
    std::unique_ptr<TempFile> tmp;
    std::string link;
    if (item.kind == EntryKind::Symlink) {
        auto target = side.readLink(path);
        if (!target)
            return target.error();
        link = *target;
    } else {
        auto in = side.openRead(path);
        if (!in)
            return in.error();
        auto made = store.createTemp(dir, mode);
        if (!made)
            return storeError(store, path, made.error());
        tmp = std::move(*made);
        if (auto r = copyStream(**in, *tmp, path, [](int64_t) { return true; }); !r)
            return storeError(store, path, r.error());
    }
    {
        // One worker at a time picks a free name and puts the copy there.
        std::lock_guard lock(m_mutex);
        std::string target;
        for (int n = 1; target.empty() && n <= 10000; ++n) {
            auto there = store.stat(candidate(dir, name, n));
            if (!there)
                return storeError(store, path, there.error());
            if (!*there)
                target = candidate(dir, name, n);
        }
        if (target.empty())
            return Error::skipItem("keep a version of", path, "no free version name", "Apply retention, then run again");
        if (tmp) {
            if (auto r = store.commit(std::move(tmp), target, item.mtimeNs, mode, false); !r)
                return storeError(store, path, r.error());
        } else if (auto r = store.makeSymlink(target, link, item.mtimeNs); !r) {
            return storeError(store, path, r.error());
        }
    }
    // The version is the only copy once the original is deleted: it must be
    // on the disk first (a power cut must not leave an empty version).
    if (auto r = store.flushWrites(); !r)
        return storeError(store, path, r.error());
    // A copy takes time (a large file, another drive): the original goes
    // only if it is still the file that was copied. One a program saved
    // meanwhile stays, with its new bytes (the copy is one extra version).
    auto now = side.stat(path);
    if (!now)
        return now.error();
    if (!*now || !unchangedSince(**now, item))
        return Error::skipItem("keep a version of", path,
                               "it changed while its version was copied into the versions folder, so it was left "
                               "in place",
                               "Run the sync again when the program using this file has finished with it");
    return side.removeFile(path);
}

std::string Versioner::ownFolder() const
{
    return m_settings.owner.empty() ? m_settings.folder : m_settings.folder + "/" + m_settings.owner;
}

bool Versioner::isOwnerFolderName(const std::string& name)
{
    return name.rfind("job-", 0) == 0 || name.rfind("pair-", 0) == 0;
}

std::vector<Version> Versioner::allVersions(Backend& store) const
{
    if (m_settings.mode != VersioningSettings::Mode::Folder)
        return {};
    return scan(store, m_settings.owner, m_settings.owner.empty());
}

std::vector<Version> Versioner::legacyVersions(Backend& store) const
{
    if (m_settings.mode != VersioningSettings::Mode::Folder || m_settings.owner.empty())
        return {};
    return scan(store, {}, true);
}

std::vector<Version> Versioner::scan(Backend& store, const std::string& top, bool skipOwnerFolders) const
{
    std::vector<Version> out;
    std::vector<std::string> pending{top};
    while (!pending.empty()) {
        const std::string dir = pending.back();
        pending.pop_back();
        auto items = store.list(dir); // a folder that is not there holds no versions
        if (!items)
            continue;
        const std::string rel = dir.size() > top.size() ? dir.substr(top.empty() ? 0 : top.size() + 1) : std::string();
        for (const ListedItem& item : *items) {
            const std::string name(relpath::name(item.entry.path));
            if (item.entry.isDir()) {
                if (!(skipOwnerFolders && rel.empty() && isOwnerFolderName(name)))
                    pending.push_back(item.entry.path);
                continue;
            }
            std::string original;
            int64_t stamp = 0;
            if (parseVersionName(name, original, stamp))
                out.push_back({relpath::join(rel, original), shownPath(store, item.entry.path), stamp, item.entry.path});
        }
    }
    std::sort(out.begin(), out.end(), [](const Version& a, const Version& b) {
        return a.stampNs != b.stampNs ? a.stampNs > b.stampNs : a.file > b.file;
    });
    return out;
}

std::vector<Version> Versioner::versionsOf(Backend& store, const std::string& relPath) const
{
    std::vector<Version> out;
    for (Version& v : allVersions(store))
        if (v.relPath == relPath)
            out.push_back(std::move(v));
    return out;
}

Result<void> Versioner::restore(Backend& store, const Version& v, Backend& target, const std::string& targetPath)
{
    if (auto parent = relpath::parent(targetPath); !parent.empty()) {
        if (auto r = makeDirs(target, std::string(parent)); !r)
            return r;
    } else if (auto r = target.createRoot(); !r) {
        return r;
    }
    auto st = store.stat(v.storePath);
    if (!st)
        return st.error();
    if (!*st)
        return errnoError("read", v.file, ENOENT);
    if ((*st)->kind == EntryKind::Symlink) {
        auto link = store.readLink(v.storePath);
        if (!link)
            return link.error();
        auto made = target.makeSymlink(targetPath, *link, (*st)->mtimeNs);
        return made ? Result<void>(Ok{}) : Result<void>(made.error());
    }
    auto in = store.openRead(v.storePath);
    if (!in)
        return in.error();
    auto tmp = target.createTemp(std::string(relpath::parent(targetPath)), (*st)->mode);
    if (!tmp)
        return tmp.error();
    if (auto r = copyStream(**in, **tmp, targetPath, [](int64_t) { return true; }); !r)
        return r;
    auto c = target.commit(std::move(*tmp), targetPath, (*st)->mtimeNs, (*st)->mode, true);
    return c ? Result<void>(Ok{}) : Result<void>(c.error());
}

Result<int> Versioner::applyRetention(Backend& store, int64_t nowNs)
{
    if (m_settings.mode != VersioningSettings::Mode::Folder || (m_settings.keepCount <= 0 && m_settings.maxAgeDays <= 0))
        return 0;
    std::map<std::string, std::vector<Version>> byPath;
    for (Version& v : allVersions(store))
        byPath[v.relPath].push_back(std::move(v)); // newest first
    const int64_t maxAge = secondsToNs(int64_t(m_settings.maxAgeDays) * 86400);
    int removed = 0;
    for (auto& [path, versions] : byPath) {
        for (size_t i = 0; i < versions.size(); ++i) {
            bool tooMany = m_settings.keepCount > 0 && int(i) >= m_settings.keepCount;
            bool tooOld = m_settings.maxAgeDays > 0 && saturatingSub(nowNs, versions[i].stampNs) > maxAge;
            if (!tooMany && !tooOld)
                continue;
            if (auto r = store.removeFile(versions[i].storePath); !r) {
                Error e = r.error();
                e.operation = "remove old version";
                e.path = versions[i].file;
                return e;
            }
            ++removed;
        }
    }
    return removed;
}

} // namespace ferry
