// Scanner: lists one side recursively into a Snapshot. Excluded folders are
// not descended. Problems are data, not exceptions: an unreadable folder is
// recorded as blocked (its subtree is unknown, so nothing below it may be
// deleted on the other side), a special file (FIFO, socket, device) is
// reported and skipped. Ferry's own leftover temporary files are collected
// for clean-up and never enter the snapshot; so are files set aside by an
// interrupted replace (asides.h), which the snapshot shows where they will be
// put back.
// The walk itself is the backend's (Backend::walk); a lost connection ends
// the scan with `failed` set, and the snapshot is then incomplete.
// Thread-safety: scan() uses only the backend it is given; run the two sides
// on two threads with two backends.
#pragma once

#include "backend/backend.h"
#include "engine/asides.h"
#include "common/canceltoken.h"
#include "engine/filter.h"
#include "model/snapshot.h"

#include <optional>
#include <string>
#include <vector>

namespace ferry {

struct ScanResult {
    Snapshot snapshot;
    std::vector<Error> problems;           // per-item errors
    std::vector<std::string> blocked;      // paths whose state is unknown: no action at or below them
    std::vector<std::string> staleTemps;   // Ferry's own temporaries (tempname::isOwn): leftovers or a live run's
    std::vector<AsideRecovery> asides;     // files an interrupted replace set aside, and what to do (engine/asides.h)
    bool cancelled = false;
    std::optional<Error> failed;           // the walk ended early: the side's connection was lost
};

// expectedEntries, expectedPathBytes: size hints (the base's), so the entry
// list and the path buffer are allocated once instead of growing by doubling.
ScanResult scanSide(Backend& backend, const Filter& filter, const CancelToken& cancel, size_t expectedEntries = 0,
                    size_t expectedPathBytes = 0);

} // namespace ferry
