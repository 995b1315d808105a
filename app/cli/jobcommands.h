// ferry-cli commands on saved jobs and their history, per DESIGN.md:
// job add|edit|list|show|remove|export|import, run, history, conflicts.
// All of them take --json (one object on stdout) and --reset-database.
#pragma once

#include <string>
#include <vector>

namespace ferry::cli {

// `cmd` is "job", "run", "history" or "conflicts"; `args` follow it.
int runJobCommand(const std::string& cmd, const std::vector<std::string>& args);
// `ferry-cli --reset-database`: keeps a damaged app database aside and starts a fresh one.
int resetDatabase(bool json);

} // namespace ferry::cli
