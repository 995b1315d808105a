// Sentences for a Plan's reasons: what was compared, in words a user reads
// in the preview, the history and `ferry-cli --dry-run`. Times are UTC.
#pragma once

#include "engine/plan.h"
#include "model/snapshot.h"

#include <string>

namespace ferry {

std::string formatTime(int64_t ns);        // "2026-11-25 10:15:00.123Z"
std::string formatStamp(int64_t ns);       // "2026-11-25 101500" (for file names)
std::string describeEntry(const EntryInfo& e); // "file, 120 bytes, modified 2026-…"
std::string describePair(const EntryInfo& l, const EntryInfo& r);
std::string describeTimeChange(int64_t before, int64_t after);
// "size 120 → 130, modified X → Y" against the base; "new" when no base; "deleted" when gone.
std::string describeEntryChange(const BaseInfo* b, const EntryInfo* e, Side side);

// The reason of an action: its own sentence, or for the rules that fire by
// the thousand (new, deleted, equal) one worded from the rule and entries, so
// a large plan does not hold a sentence per row.
std::string reasonFor(const Action& a);

} // namespace ferry
