// The ferry-cli commands on saved jobs, one function each, by file:
// jobedit.cpp (add, edit, remove, export, import), jobquery.cpp (list,
// show, history, conflicts), jobrun.cpp (run). jobcommands.cpp dispatches
// to them. `args` are the arguments after the command; each returns its
// exit code (DESIGN.md).
#pragma once

#include <string>
#include <vector>

namespace ferry::cli::jobcli {

int jobAdd(const std::vector<std::string>& args);
int jobEdit(const std::vector<std::string>& args);
int jobRemove(const std::vector<std::string>& args);
int jobExport(const std::vector<std::string>& args);
int jobImport(const std::vector<std::string>& args);

int jobList(const std::vector<std::string>& args);
int jobShow(const std::vector<std::string>& args);
int history(const std::vector<std::string>& args);
int conflicts(const std::vector<std::string>& args);

int runJob(const std::vector<std::string>& args);

} // namespace ferry::cli::jobcli
