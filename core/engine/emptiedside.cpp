#include "emptiedside.h"

#include "common/relpath.h"

#include <array>

namespace ferry {

bool isSystemLitterName(std::string_view name)
{
    static constexpr std::array<std::string_view, 14> exact = {
        ".DS_Store", "desktop.ini", "Desktop.ini", "Thumbs.db", "ehthumbs.db", "lost+found", ".Trashes",
        "$RECYCLE.BIN", "System Volume Information", ".Spotlight-V100", ".fseventsd", ".TemporaryItems",
        ".DocumentRevisions-V100", ".directory"};
    for (std::string_view n : exact)
        if (name == n)
            return true;
    // ".Trash-1000" (freedesktop trash on removable drives), "._report.doc"
    // (AppleDouble companions written by macOS on foreign file systems).
    return name.substr(0, 7) == ".Trash-" || (name.size() > 2 && name.substr(0, 2) == "._");
}

namespace {

bool isLitterPath(std::string_view path)
{
    for (;;) {
        size_t slash = path.find('/');
        if (isSystemLitterName(path.substr(0, slash)))
            return true;
        if (slash == std::string_view::npos)
            return false;
        path.remove_prefix(slash + 1);
    }
}

bool counts(EntryKind kind, std::string_view path)
{
    return (kind == EntryKind::File || kind == EntryKind::Symlink) && !isLitterPath(path);
}

bool looksEmptied(int64_t before, int64_t now)
{
    return before > 0 && now * 100 < before * kEmptiedSidePercent;
}

} // namespace

int64_t countHeldItems(const Snapshot& side)
{
    int64_t n = 0;
    for (const auto& it : side.entries)
        n += counts(it.kind, side.entries.pathOf(it));
    return n;
}

int64_t countHeldItems(const BaseState& base, const Filter& filter)
{
    int64_t n = 0;
    for (const auto& it : base.entries) {
        std::string_view path = base.entries.pathOf(it);
        n += counts(it.kind, path) && !filter.excludesItem(path, it.kind == EntryKind::Directory);
    }
    return n;
}

std::optional<EmptiedSide> findEmptiedSide(const Snapshot& left, const Snapshot& right, const BaseState& base,
                                           const Filter& filter)
{
    if (base.empty())
        return std::nullopt;
    const int64_t before = countHeldItems(base, filter);
    for (Side s : {Side::Left, Side::Right}) {
        const int64_t now = countHeldItems(s == Side::Left ? left : right);
        if (looksEmptied(before, now))
            return EmptiedSide{s, before, now};
    }
    return std::nullopt;
}

std::optional<EmptiedSide> findEmptiedSource(SyncMode mode, const Snapshot& source, const Snapshot& target)
{
    if (mode == SyncMode::TwoWay)
        return std::nullopt;
    const int64_t before = countHeldItems(target);
    const int64_t now = countHeldItems(source);
    const bool emptied = mode == SyncMode::Mirror ? looksEmptied(before, now) : before > 0 && now == 0;
    if (!emptied)
        return std::nullopt;
    return EmptiedSide{Side::Left, before, now};
}

std::string emptiedSideMessage(const EmptiedSide& e, const std::string& location, bool hasBase)
{
    const std::string folder = std::string("the ") + sideName(e.side) + " folder '" + location + "'";
    std::string what;
    if (hasBase)
        what = e.holdsNow == 0 ? folder + " is empty, but the last sync saw " + std::to_string(e.heldBefore) +
                                     " files there"
                               : folder + " holds only " + std::to_string(e.holdsNow) + " of the " +
                                     std::to_string(e.heldBefore) + " files the last sync saw there";
    else
        what = e.holdsNow == 0 ? folder + " (the source) is empty, but the right folder holds " +
                                     std::to_string(e.heldBefore) + " files"
                               : folder + " (the source) holds only " + std::to_string(e.holdsNow) +
                                     " files, but the right folder holds " + std::to_string(e.heldBefore) +
                                     " that a mirror would delete";
    return "stopped: " + what +
           ". Is a drive unplugged or a share not mounted? Nothing was changed. If you really emptied it, run again "
           "with --force-deletions";
}

} // namespace ferry
