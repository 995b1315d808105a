#include "emptiedside.h"

#include "common/relpath.h"

#include <array>
#include <unordered_map>

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

bool keptTooLittle(int64_t held, int64_t kept)
{
    return held > 0 && kept * 100 < held * kEmptiedSidePercent;
}

} // namespace

int64_t countHeldItems(const Snapshot& side)
{
    int64_t n = 0;
    for (const auto& it : side.entries)
        n += counts(it.kind, side.entries.pathOf(it));
    return n;
}

namespace {

// The side's tally against the base, renames included (the slow path: only
// for a side that kept too little at the base's paths).
EmptiedSide tallyWithRenames(Side s, const Snapshot& here, const Snapshot& there, const BaseState& base,
                             const Filter& filter, bool ids)
{
    // A renamed file keeps its id, size and time; an id alone is not
    // enough, since ext4 hands a deleted file's inode to the next new one.
    std::unordered_map<uint64_t, const Snapshot::Item*> byId;
    if (ids)
        for (const auto& it : here.entries)
            if (it.fileId && counts(it.kind, here.entries.pathOf(it)))
                byId.emplace(it.fileId, &it);
    auto renamedHere = [&](const BaseState::Item& b) {
        const uint64_t id = s == Side::Left ? b.leftId : b.rightId;
        auto found = id ? byId.find(id) : byId.end();
        return found != byId.end() && found->second->size == b.size &&
               found->second->mtimeNs == (s == Side::Left ? b.leftMtimeNs : b.rightMtimeNs);
    };
    // What the run would delete on the other side: the files it lost that
    // are unchanged there (an edit there wins and comes back).
    auto unchangedThere = [&](const BaseState::Item& b, std::string_view path) {
        const Snapshot::Item* t = there.find(path);
        return t && t->kind == b.kind && t->size == b.size &&
               t->mtimeNs == (s == Side::Left ? b.rightMtimeNs : b.leftMtimeNs);
    };
    EmptiedSide e{s, 0, 0, 0};
    for (const auto& b : base.entries) {
        std::string_view path = base.entries.pathOf(b);
        if (!counts(b.kind, path) || filter.excludesItem(path, false))
            continue;
        ++e.heldBefore;
        if (here.find(path) || renamedHere(b))
            ++e.keptNow;
        else if (unchangedThere(b, path))
            ++e.wouldDelete;
    }
    return e;
}

} // namespace

std::optional<EmptiedSide> findEmptiedSide(const Snapshot& left, const Snapshot& right, const BaseState& base,
                                           const Filter& filter, bool leftFileIds, bool rightFileIds)
{
    if (base.empty())
        return std::nullopt;
    // The common case first, in one merge of the sorted base with both
    // sorted snapshots: each side still holds most base files at their paths.
    int64_t held = 0, keptAt[2] = {0, 0};
    size_t cursor[2] = {0, 0};
    const Snapshot::Table* tables[2] = {&left.entries, &right.entries};
    for (const auto& b : base.entries) {
        std::string_view path = base.entries.pathOf(b);
        if (!counts(b.kind, path) || filter.excludesItem(path, false))
            continue;
        ++held;
        for (int i = 0; i < 2; ++i) {
            const Snapshot::Table& t = *tables[i];
            size_t& j = cursor[i];
            while (j < t.size() && pathLess(t.pathAt(j), path))
                ++j;
            keptAt[i] += j < t.size() && t.pathAt(j) == path;
        }
    }
    for (Side s : {Side::Left, Side::Right}) {
        if (!keptTooLittle(held, keptAt[s == Side::Left ? 0 : 1]))
            continue;
        EmptiedSide e = tallyWithRenames(s, s == Side::Left ? left : right, s == Side::Left ? right : left, base,
                                         filter, s == Side::Left ? leftFileIds : rightFileIds);
        const bool carriesLoss = e.wouldDelete > 0 && e.wouldDelete * 100 >= e.heldBefore * kEmptiedSidePercent;
        if (keptTooLittle(e.heldBefore, e.keptNow) && carriesLoss)
            return e;
    }
    return std::nullopt;
}

std::optional<EmptiedSide> findEmptiedSource(SyncMode mode, const Snapshot& source, const Snapshot& target)
{
    if (mode == SyncMode::TwoWay)
        return std::nullopt;
    EmptiedSide e{Side::Left, 0, 0, 0};
    size_t j = 0; // both tables are sorted: one merge
    const Snapshot::Table& src = source.entries;
    for (const auto& it : target.entries) {
        std::string_view path = target.entries.pathOf(it);
        if (!counts(it.kind, path))
            continue;
        ++e.heldBefore;
        while (j < src.size() && pathLess(src.pathAt(j), path))
            ++j;
        if (j < src.size() && src.pathAt(j) == path)
            ++e.keptNow;
        else
            ++e.wouldDelete;
    }
    if (mode == SyncMode::Update) {
        if (e.heldBefore == 0 || countHeldItems(source) > 0)
            return std::nullopt;
        e.wouldDelete = 0; // an update deletes nothing
        return e;
    }
    // A source that holds almost nothing (an empty mount point), or one
    // that lost nearly every file of a copy of some size (a card formatted
    // and filled with new files): a single stale file in a new target is
    // neither, and meets the mass-deletion guard instead.
    const bool nearlyEmpty = keptTooLittle(e.heldBefore, countHeldItems(source));
    const bool replaced = e.heldBefore >= kEmptiedMinimumCopy && keptTooLittle(e.heldBefore, e.keptNow);
    if (!nearlyEmpty && !replaced)
        return std::nullopt;
    return e;
}

SafetyStop emptiedStop(const EmptiedSide& e, SyncMode mode, const std::string& location)
{
    SafetyStop s;
    s.kind = mode == SyncMode::TwoWay  ? StopKind::EmptiedSide
             : mode == SyncMode::Mirror ? StopKind::EmptiedSource
                                        : StopKind::EmptySource;
    s.side = e.side;
    s.mode = mode;
    s.location = location;
    s.held = e.heldBefore;
    s.kept = e.keptNow;
    s.wouldDelete = e.wouldDelete;
    return s;
}

} // namespace ferry
