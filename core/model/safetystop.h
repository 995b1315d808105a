// SafetyStop: why a safety guard stopped a run, as a value (what kind of
// stop, which side, the counts behind it). The engine makes it, the
// history keeps it, and each place that shows it words it: ferry-cli and
// the history's message in English (engine/stoptext.h), the window in its
// own words (jobs/stopadvice.h). Nobody parses a sentence back.
//
// Value type; thread-safe to copy. stopFromJson() returns nothing for a
// text it cannot read (never throws).
#pragma once

#include "model/reason.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

enum class StopKind : uint8_t {
    SideUnreadable,  // the root could not even be checked (detail: why)
    SideMissing,     // the root is gone, but the last sync saw files there
    RootChanged,     // the root is another folder than the one synced last time
    ScanRefused,     // listing the root was refused (detail: the scan's error)
    EmptiedSide,     // two-way: a side kept almost none of the files it held
    EmptiedSource,   // mirror: the source holds almost none of the copy's files
    EmptySource,     // update: the source is empty, the target holds files
    MassDeletion,    // the plan deletes more than the set share of a side
    HostKeyChanged,  // the side's SSH server showed another host key than the one known for it
                     // (detail: the connection's explanation, with both fingerprints where known)
};
const char* stopKindName(StopKind k);

struct SafetyStop {
    StopKind kind = StopKind::SideMissing;
    Side side = Side::Left;       // the side the stop is about
    SyncMode mode = SyncMode::TwoWay;
    std::string location;         // that side's location, where the words name it
    std::string detail;           // SideUnreadable, ScanRefused, HostKeyChanged: the error, as worded by the engine
    int64_t held = 0;             // emptied kinds: files the base (or the copy) says the side held
    int64_t kept = 0;             // …of those, the ones it still holds
    int64_t wouldDelete = 0;      // …the ones the run would delete on the other side
    int64_t deletes = 0;          // MassDeletion: deletions the plan makes on `side`
    int64_t total = 0;            // …of this many items on that side
    int percentLimit = 0;         // …more than this share needs confirmation
    bool operator==(const SafetyStop&) const = default;
};

std::string stopToJson(const SafetyStop& s);
std::optional<SafetyStop> stopFromJson(std::string_view json);

} // namespace ferry
