// Where a versions folder may be: never among a synced side's own files.
// A versions folder inside a synced root is left out of the sync; if it
// already holds files of the user, those silently drop out of the sync (a
// mirror is no longer exact) and retention may delete one named like a
// version. So such a folder is refused; a new or empty one inside a root is
// allowed (Ferry then owns it: it holds only its owners' subfolders, and
// versions Ferry kept there before it kept them per owner, recognised by
// their names: "<relative dir>/<stem> YYYY-MM-DD HHMMSS<ext>").
// The exclusion covers the same relative path on both sides, so the other
// side must hold nothing there either (see versionsFolderShadowProblem).
// Thread-safety: plain functions; the ...Problem ones read the folder.
#pragma once

#include "backend/backend.h"

#include <optional>
#include <string>

namespace ferry {

// The reason (with what to do) when the versions folder `folder` lies
// inside the synced local folder `root` and holds anything but Ferry's own
// per-job subfolders and old-style versions; nothing when it may be used.
std::optional<std::string> versionsFolderProblem(const std::string& folder, const std::string& root);

// The same for any side: the reason when the versions store `store` of
// `side` (Backend::versionsStore) lies inside the side's root (placeOf) and
// is the root itself or holds anything but Ferry's own; nothing otherwise.
// Reads the store.
std::optional<std::string> versionsStoreProblem(Backend& side, Backend& store);

// The path of `folder` relative to the local folder `root` when it lies
// strictly inside it (compared as real paths, so a symlinked root cannot
// hide it); nothing otherwise.
std::optional<std::string> versionsFolderRelPath(const std::string& folder, const std::string& root);

// The reason (with what to do) for refusing a versions folder `folder` that
// lies inside one root at `relPath` while the other side, `otherLocation`,
// holds something at that same relative path: leaving the versions folder
// out of the sync would silently leave that out too.
std::string versionsFolderShadowProblem(const std::string& folder, const std::string& relPath,
                                        const std::string& otherLocation);

} // namespace ferry
