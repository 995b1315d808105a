// ferry-cli versions JOB [PATH] and restore JOB PATH [--version TIME] [--to DIR]
// (DESIGN.md): list the replaced and deleted files a job's versions folder
// keeps, and copy them back. A restore never moves a version (it stays
// restorable), keeps the file it replaces as a version first, and holds the
// job's run lock so no sync runs meanwhile. Both take --json.
#pragma once

#include <string>
#include <vector>

namespace ferry::cli {

int versionsCommand(const std::vector<std::string>& args);
int restoreCommand(const std::vector<std::string>& args);

} // namespace ferry::cli
