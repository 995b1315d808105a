// Reasons in words: what was compared, in the sentences a user reads in
// the preview, the history and `ferry-cli --dry-run` (English; the window
// goes through its own function, ui/reasontext.h, so that a translation can
// replace it). A reason is data (model/reason.h): reasonOf() gathers it
// from an action, wordReason() is the one English wording of it. Times are
// UTC. Pure functions; thread-safe.
#pragma once

#include "engine/plan.h"
#include "model/reason.h"
#include "model/snapshot.h"

#include <optional>
#include <string>

namespace ferry {

std::string formatTime(int64_t ns);        // "2026-11-25 10:15:00.123Z"
std::string formatStamp(int64_t ns);       // "2026-11-25 101500" (for file names)
std::string describeEntry(const EntryInfo& e); // "file, 120 bytes, modified 2026-…"
std::string describeEntry(const ItemFacts& e);
std::string describePair(const ItemFacts& l, const ItemFacts& r);
std::string describeTimeChange(int64_t before, int64_t after);
// "size 120 → 130, modified X → Y" against the base; "new" when no base; "deleted" when gone.
std::string describeEntryChange(const BaseFacts* b, const ItemFacts* e, Side side);

// The base's facts as a reason keeps them, compared with each side's entry.
BaseFacts baseFactsOf(const BaseInfo& b, const EntryInfo* left, const EntryInfo* right);

// The whole reason of an action: its rule, wording form, entries and
// arguments. Nothing is stored per action for the rules that fire by the
// thousand: they are gathered here from the entries when asked.
Reason reasonOf(const Action& a);
// The English sentence (unknown rules, or rules missing what they need, are
// shown as their id).
std::string wordReason(const Reason& r);
// wordReason(reasonOf(a)).
std::string reasonFor(const Action& a);

// What a history item shows as its detail: the sentence it was recorded
// with (runs from before reasons were data, and item errors), else its
// reason worded, for the conflicts (the items whose reason the history
// has always shown).
std::string historyDetail(const std::string& action, const std::string& detail, const std::optional<Reason>& reason);

} // namespace ferry
