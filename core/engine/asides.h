// Asides: recovering the files a replace in steps set aside
// (tempname::makeAside) when the run that made them was interrupted.
//
// On a side without atomic rename the executor replaces a file in three
// steps: (1) the old file is renamed to ".ferry-old-<key>-<name>", (2) the
// new one is committed to <name> without replacing, (3) the aside is
// removed. A crash leaves the aside after (1) or (2). The invariant: the old
// bytes exist at <name> or under the aside name, and the base still records
// the old file (an item is recorded only after step 3). So the next scan:
//   - <name> is free: the crash came before (2); the aside is the user's
//     file, the only copy. It is put back (renamed to <name>) and the scan
//     shows it at <name> already, so the plan sees the file as it was.
//   - <name> is taken: the new version was committed; the aside is the old
//     version the run was about to remove. It goes where a replaced file
//     goes now: into versioning when on, else it is removed (what step 3
//     would have done).
//   - the aside does not say its name (it would have been too long), or two
//     asides claim one free name: it is left alone and reported, never lost.
// In every case an aside is never synced as a user file. Only names that
// verify with this installation's key are asides; a user's file that merely
// looks like one is a user file.
// The scan only decides (a dry run or a stopped run changes nothing); the
// steps are carried out with the stale temporaries, before the executor.
// Thread-safety: plain functions; recover() uses one session.
#pragma once

#include "backend/backend.h"
#include "engine/versioner.h"

#include <functional>
#include <string>
#include <vector>

namespace ferry {

struct AsideRecovery {
    enum class Step : uint8_t { PutBack, Retire, Leave };
    Step step = Step::Leave;
    std::string aside;    // its path
    std::string original; // the path it was set aside from ("": its name does not say)
    bool operator==(const AsideRecovery&) const = default;
};

// What to do with the asides `found` (path and details as listed) given the
// rest of the side's scan. A put-back file is added to `snapshot` at its
// original path unless `excluded` says the original is filtered out
// (`snapshot` must be sorted; it needs sorting again after).
// Problems (an aside left alone) go to `problems`.
std::vector<AsideRecovery> decideAsides(const std::vector<Entry>& found, Snapshot& snapshot,
                                        const std::function<bool(const std::string&)>& excluded,
                                        std::vector<Error>& problems);

// Carries the decided steps out on `side`; errors (a name taken since the
// scan, a version that could not be kept) are returned, and such an aside
// stays where it is.
std::vector<Error> recoverAsides(Backend& side, const std::vector<AsideRecovery>& steps, Versioner& versioner);

} // namespace ferry
