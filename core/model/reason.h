// Why a plan's action is there, as data: the rule that fired plus its
// typed arguments (which side changed, the entries' and the base's sizes
// and times, a conflict's settlement, a rename's paths). Words are made
// from it only where a reason is shown (engine/reasons.h in English for
// ferry-cli and as the default; the window through its own function), so
// the history can keep the id and arguments and a translation can word
// them again. Also the small enums of a plan that the history shares
// (Side, Op, Resolution).
//
// Value types; thread-safe to copy. reasonFromJson() returns nothing for a
// text it cannot read (never throws).
#pragma once

#include "model/settings.h"
#include "model/snapshot.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

enum class Side : uint8_t { Left, Right };
inline Side otherSide(Side s) { return s == Side::Left ? Side::Right : Side::Left; }
const char* sideName(Side s);

enum class Op : uint8_t {
    Copy,        // create or replace the item on `target` from the other side
    Delete,      // delete the item on `target`
    Rename,      // rename `fromPath` to `path` on `target` (a rename seen on the other side)
    SetTime,     // same content, only the time differs: set the time on `target`
    RecordBase,  // both sides already agree: only the base is updated
    ForgetBase,  // gone from both sides: drop it from the base
    Conflict,    // both sides changed; see `resolution`
};
const char* opName(Op op);

enum class Resolution : uint8_t {
    Pending,     // left for the user (ask) or for next time (skip): exit 3
    KeepLeft,
    KeepRight,
    KeepBoth,    // the loser is renamed "name (conflict DATE host).ext" and both are kept on both sides
    Informational, // a directory conflict whose resolution is carried by the rows below it
};
const char* resolutionName(Resolution r);

// Which wording of a rule applies, where one rule has several (one byte,
// kept in the action itself, so frequent rules need no arguments on the heap).
enum class ReasonForm : uint8_t {
    Plain,
    OtherTouched,          // the other side only has a new time (same content)
    CaseOnly,              // a rename in letter case only
    ByFileId,              // a rename matched by file id (ReasonArgs::count holds it)
    BySameFacts,           // a rename matched by size, time and content hash
    SplitForm,             // one base item now two under two Unicode forms of the name
    SplitFormOtherTouched,
    InsideResolved,        // inside a conflict resolved for ReasonArgs::side
    WinnerDeletes,         // a folder conflict: the deleting side wins
    WinnerRestores,        // a folder conflict: the changing side wins
    KeptForChanged,        // a folder conflict: the changed items keep the folder
    RightNewer,            // update: the replaced right copy is the newer one
};

// What a reason says about one item (from an EntryInfo).
struct ItemFacts {
    EntryKind kind = EntryKind::File;
    int64_t size = 0;
    int64_t mtimeNs = 0;
    bool hasHash = false;
    bool operator==(const ItemFacts&) const = default;
};
ItemFacts factsOf(const EntryInfo& e);

// What the last sync recorded for the item (the base), as far as a reason
// says it; the hash comparison with each side's entry is kept as a flag.
struct BaseFacts {
    EntryKind kind = EntryKind::File;
    int64_t size = 0;
    int64_t leftMtimeNs = 0;
    int64_t rightMtimeNs = 0;
    bool leftHashDiffers = false;   // both hashes known, and different
    bool rightHashDiffers = false;
    bool operator==(const BaseFacts&) const = default;
};

// The arguments of the rarer rules, beyond what the action itself holds.
struct ReasonArgs {
    Side side = Side::Left;       // the side the rule speaks of: changed, renamed, won…
    EntryKind otherKind = EntryKind::File; // what replaced a folder
    ConflictPolicy policy = ConflictPolicy::Ask; // a conflict's policy when planned
    Resolution resolution = Resolution::Pending; // …and its settlement then
    int64_t count = 0;            // items changed inside a folder; a matched file id
    std::optional<BaseFacts> base;
    std::string path;             // a rename's old path; a split form's former spelling
    std::string newPath;          // a rename's new path
    bool operator==(const ReasonArgs&) const = default;
};

// A whole reason, apart from any plan: what the history keeps and the
// wording functions read.
struct Reason {
    std::string rule;             // e.g. "left-changed"
    ReasonForm form = ReasonForm::Plain;
    Op op = Op::Copy;
    Side target = Side::Right;
    EntryKind kind = EntryKind::File;
    Side loser = Side::Right;     // KeepBoth: whose version is renamed
    std::optional<ItemFacts> left, right;
    std::optional<ReasonArgs> args;
    std::string conflictName;
    std::shared_ptr<const Reason> was; // "user-flipped": the reason before the turn
    bool operator==(const Reason& o) const;
};

// A compact JSON text, and back. Unknown or missing members take their defaults.
std::string reasonToJson(const Reason& r);
std::optional<Reason> reasonFromJson(std::string_view json);

} // namespace ferry
