#include "snapshot.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <utility>

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

bool pathLess(std::string_view a, std::string_view b)
{
    // Skip the common prefix eight bytes at a time (paths of one folder share
    // a long one), then decide on the first differing byte.
    const size_t n = std::min(a.size(), b.size());
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        if (x != y)
            break;
    }
    for (; i < n; ++i) {
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

template <typename Info, typename Value>
void PathTable<Info, Value>::sortByPath()
{
    if (isSortedByPath())
        return;
    std::sort(m_items.begin(), m_items.end(),
              [this](const Item& a, const Item& b) { return pathLess(pathOf(a), pathOf(b)); });
    // Lay the paths out in the new order, so scans stay cache-friendly.
    std::string paths;
    paths.reserve(m_paths.size());
    for (Item& it : m_items) {
        const uint32_t offset = uint32_t(paths.size());
        paths.append(pathOf(it));
        it.pathOffset = offset;
    }
    m_paths.swap(paths);
}

template <typename Info, typename Value>
bool PathTable<Info, Value>::isSortedByPath() const
{
    for (size_t i = 1; i < m_items.size(); ++i)
        if (pathLess(pathAt(i), pathAt(i - 1)))
            return false;
    return true;
}

template <typename Info, typename Value>
auto PathTable<Info, Value>::find(std::string_view path) const -> const Item*
{
    auto it = std::lower_bound(m_items.begin(), m_items.end(), path,
                               [this](const Item& e, std::string_view p) { return pathLess(pathOf(e), p); });
    return it != m_items.end() && pathOf(*it) == path ? &*it : nullptr;
}

template <typename Info, typename Value>
auto PathTable<Info, Value>::find(std::string_view path) -> Item*
{
    return const_cast<Item*>(std::as_const(*this).find(path));
}

template class PathTable<EntryInfo, Entry>;
template class PathTable<BaseInfo, BaseEntry>;

} // namespace ferry
