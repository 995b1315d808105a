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
#include "engine/snapshot.h"

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
// The same over the base, for one side; entries the filter now excludes
// are not counted (the reconciler ignores them too).
int64_t countHeldItems(const BaseState& base, const Filter& filter);

// A side that now holds less than this share (per cent) of what it held
// looks emptied. 10 %: an emptied side with a few leftovers stops, a user
// who deletes half of a folder meets the mass-deletion guard instead.
inline constexpr int kEmptiedSidePercent = 10;

struct EmptiedSide {
    Side side = Side::Left;
    int64_t heldBefore = 0;   // what the base (or the mirror's target) says it held
    int64_t holdsNow = 0;
};

// Two-way: a side that lost nearly all the base says it held.
std::optional<EmptiedSide> findEmptiedSide(const Snapshot& left, const Snapshot& right, const BaseState& base,
                                           const Filter& filter);
// Mirror: a source holding nearly nothing of what its exact copy holds.
// Update never deletes, so only a source with nothing at all in it, while
// the target holds files, is stopped (a drive that is not there).
std::optional<EmptiedSide> findEmptiedSource(SyncMode mode, const Snapshot& source, const Snapshot& target);

// "the right folder '/media/usb' holds 1 of the 120 files the last sync saw
// there" and the advice of ferry-cli.
std::string emptiedSideMessage(const EmptiedSide& e, const std::string& location, bool hasBase);

} // namespace ferry
