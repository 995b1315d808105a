// Reconciler: a pure function of (left, right, base, policy) -> Plan.
// No clock, no I/O, no globals: everything it needs is in its arguments,
// so every rule is testable as a table row.
//
// Two-way rules (see DESIGN.md): for each path in left ∪ right ∪ base, a side
// changed if it differs from the base. One side changed → carried over; both
// changed and now equal → base only; otherwise a conflict. No base → union.
// A deletion against an edit → the edit wins. A folder deleted on one side
// while the other changed something inside → a folder conflict, changed
// items kept. Renames (same file id, or same size+time+hash) are carried as
// renames; a renamed folder is one rename. A name spelled NFC on one side
// and NFD on the other is one item (each side keeps its bytes); two such
// spellings on the SAME side are one item (reported, neither synced) only
// where a side folds Unicode forms or case, and two items otherwise.
//
// When a decision depends on content hashes that the snapshots lack, the
// returned Plan lists them in `needHashes`; the caller hashes those entries
// and calls reconcile() again.
#pragma once

#include "backend/backend.h"
#include "engine/filter.h"
#include "engine/plan.h"
#include "model/snapshot.h"

#include <memory>
#include <string>
#include <vector>

namespace ferry {

struct SyncPolicy {
    SyncMode mode = SyncMode::TwoWay;
    ConflictPolicy conflict = ConflictPolicy::KeepBoth;
    CompareMode compare = CompareMode::TimeSize;
    int64_t toleranceNs = 0;       // extra time tolerance (2 s for FAT/FTP)
    bool ignoreDstShift = false;   // treat an exact ±1 h difference as equal
    Capabilities leftCaps;
    Capabilities rightCaps;
    std::vector<std::string> leftBlocked;   // unknown state: no action at or below
    std::vector<std::string> rightBlocked;
    Filter filter;                 // base entries it excludes are ignored
    ItemLimits limits;             // a path with a file outside them on either side is left alone
    std::string hostName = "host"; // for conflict names
    int64_t nowNs = 0;             // for conflict names
};

// The plan's actions point into the snapshots and keep them alive: do not
// change the snapshots while the plan is in use.
Plan reconcile(std::shared_ptr<const Snapshot> left, std::shared_ptr<const Snapshot> right, const BaseState& base,
               const SyncPolicy& policy);
// For tests and tools: copies the snapshots first.
Plan reconcile(const Snapshot& left, const Snapshot& right, const BaseState& base, const SyncPolicy& policy);

// "dir/report (conflict 2026-11-25 101500 laptop).txt". A name that would be
// longer than maxNameBytes has its stem cut (on a UTF-8 character boundary)
// so that it fits; the marker and a normal extension are kept. A number
// above 1 is added after the marker ("… laptop) 2.txt") to tell apart names
// that would otherwise be the same.
std::string conflictName(const std::string& path, int64_t nowNs, const std::string& host, int maxNameBytes = 255,
                         int number = 1);

} // namespace ferry
