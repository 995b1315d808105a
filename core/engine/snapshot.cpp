#include "snapshot.h"

#include <algorithm>
#include <cstdio>

namespace ferry {

const char* kindName(EntryKind k)
{
    switch (k) {
    case EntryKind::File: return "file";
    case EntryKind::Directory: return "folder";
    case EntryKind::Symlink: return "symlink";
    case EntryKind::Special: return "special file";
    }
    return "?";
}

std::string ContentHash::hex() const
{
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                  static_cast<unsigned long long>(lo));
    return buf;
}

std::optional<ContentHash> ContentHash::fromHex(const std::string& s)
{
    if (s.size() != 32)
        return std::nullopt;
    ContentHash h;
    try {
        h.hi = std::stoull(s.substr(0, 16), nullptr, 16);
        h.lo = std::stoull(s.substr(16), nullptr, 16);
    } catch (...) {
        return std::nullopt;
    }
    return h;
}

bool pathLess(std::string_view a, std::string_view b)
{
    const size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        const unsigned char x = static_cast<unsigned char>(a[i]);
        const unsigned char y = static_cast<unsigned char>(b[i]);
        if (x == y)
            continue;
        if (x == '/')
            return true;
        if (y == '/')
            return false;
        return x < y;
    }
    return a.size() < b.size();
}

template <typename V>
static auto findIn(V& v, const std::string& path) -> decltype(&v[0])
{
    auto it = std::lower_bound(v.begin(), v.end(), path,
                               [](const auto& e, const std::string& p) { return pathLess(e.path, p); });
    return it != v.end() && it->path == path ? &*it : nullptr;
}

void Snapshot::sortByPath()
{
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return pathLess(a.path, b.path); });
}
const Entry* Snapshot::find(const std::string& path) const { return findIn(entries, path); }
Entry* Snapshot::find(const std::string& path) { return findIn(entries, path); }

void BaseState::sortByPath()
{
    std::sort(entries.begin(), entries.end(),
              [](const BaseEntry& a, const BaseEntry& b) { return pathLess(a.path, b.path); });
}
const BaseEntry* BaseState::find(const std::string& path) const { return findIn(entries, path); }

} // namespace ferry
