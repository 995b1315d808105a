// Where a versions folder may be: never among a synced side's own files.
// A versions folder inside a synced root is left out of the sync; if it
// already holds files of the user, those silently drop out of the sync (a
// mirror is no longer exact) and retention may delete one named like a
// version. So such a folder is refused; a new or empty one inside a root is
// allowed (Ferry then owns it: it holds only its owners' subfolders).
// Thread-safety: a plain function; reads the folder.
#pragma once

#include <optional>
#include <string>

namespace ferry {

// The reason (with what to do) when the versions folder `folder` lies
// inside the synced local folder `root` and holds anything but Ferry's own
// per-job subfolders; nothing when it may be used.
std::optional<std::string> versionsFolderProblem(const std::string& folder, const std::string& root);

} // namespace ferry
