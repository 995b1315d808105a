// The emptied-side guard: a side that lost nearly everything it held is far
// more often an unplugged drive, an unmounted share or a wiped card than a
// user's wish, so a run stops before it carries that "deletion" anywhere.
//
// What a side held comes from the base (two-way) or, without one, from the
// side a mirror would make equal to it. Names that systems and tools put
// into folders by themselves (.DS_Store, desktop.ini, Thumbs.db, lost+found,
// trash and index folders) count for nothing: one stray .DS_Store must not
// make an emptied side look full. Pure functions, no I/O; thread-safe.
#pragma once

#include "engine/filter.h"
#include "engine/plan.h"
#include "model/safetystop.h"
#include "model/snapshot.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

// A name that operating systems and tools create on their own.
bool isSystemLitterName(std::string_view name);

// The files and symlinks that say what a side holds: neither litter nor
// inside a litter folder. Folders are not counted (an unplugged drive's
// mount point may keep a skeleton of empty folders).
int64_t countHeldItems(const Snapshot& side);

// A side that now keeps less than this share (per cent) of the files it
// held looks emptied. 10 %: an emptied side with a few leftovers stops, a
// user who deletes half of a folder meets the mass-deletion guard instead.
inline constexpr int kEmptiedSidePercent = 10;

// A mirror's copy of at least this many files whose source kept almost
// none of them (at their paths) looks like a source that was replaced.
inline constexpr int kEmptiedMinimumCopy = 10;

struct EmptiedSide {
    Side side = Side::Left;
    int64_t heldBefore = 0;   // files the base (or the mirror's copy) says it held
    int64_t keptNow = 0;      // of those, the ones it still holds (at their path, or renamed)
    int64_t wouldDelete = 0;  // of those it lost, the ones the other side still holds
};

// Two-way: a side that kept almost none of the files the base says it held,
// while the other side still holds enough of them that the run would carry
// the loss over (at least a tenth of them, at least one). New files on the
// emptied side do not make it look full (a card formatted and filled
// again); files deleted on both sides are no danger (nothing to carry).
// A file counts as kept when it is at its path, or, where the side has
// stable file ids, anywhere with its old id (a renamed folder).
std::optional<EmptiedSide> findEmptiedSide(const Snapshot& left, const Snapshot& right, const BaseState& base,
                                           const Filter& filter, bool leftFileIds, bool rightFileIds);
// Mirror: a source that holds almost nothing next to its copy, or almost
// none of the files of a copy of some size at their paths. Update never deletes, so only a source with nothing at all
// in it, while the target holds files, is stopped (a drive that is not
// there).
std::optional<EmptiedSide> findEmptiedSource(SyncMode mode, const Snapshot& source, const Snapshot& target);

// The stop it makes (worded by engine/stoptext.h, or the window).
SafetyStop emptiedStop(const EmptiedSide& e, SyncMode mode, const std::string& location);

} // namespace ferry
