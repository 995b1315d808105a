// ferry-cli job …, run, history, conflicts: dispatches to the commands on
// saved jobs (jobsubcommands.h), and --reset-database.
#include "jobcommands.h"

#include "jobcli.h"
#include "jobs/jobstate.h"
#include "jobsubcommands.h"
#include "store/appdb.h"

#include <QJsonObject>

#include <cstdio>

namespace ferry::cli {

using namespace jobcli;

int resetDatabase(bool json)
{
    Common c;
    c.json = json;
    const std::string file = AppDb::pathIn(dataDir());
    bool damaged = false;
    {
        auto db = AppDb::open(file, &damaged);
        if (db && !(*db)->verify()) {
            damaged = true;
        } else if (db) {
            return fail(c, "--reset-database",
                        "the app database '" + file + "' is healthy; nothing was changed (--reset-database only "
                        "replaces a damaged database)");
        }
        if (!db && !damaged)
            return fail(c, "--reset-database", db.error().message());
    }
    auto moved = AppDb::moveAside(file);
    if (!moved)
        return fail(c, "--reset-database", moved.error().message());
    auto fresh = AppDb::open(file);
    if (!fresh)
        return fail(c, "--reset-database", fresh.error().message());
    noteStatesSetAside(setAsideOrphanedStates(dataDir(), {}));
    if (json)
        printJson(QJsonObject{{"exit_code", 0}, {"status", "reset"}, {"kept_as", q(*moved)}, {"database", q(file)}});
    else
        std::fprintf(stderr, "the damaged app database was kept as '%s'; a fresh one is at '%s'. Saved jobs are in "
                             "the old file: add them again (or import their exports)\n",
                     moved->c_str(), file.c_str());
    return 0;
}

int runJobCommand(const std::string& cmd, const std::vector<std::string>& args)
{
    if (cmd == "run")
        return runJob(args);
    if (cmd == "history")
        return history(args);
    if (cmd == "conflicts")
        return conflicts(args);
    // job SUBCOMMAND
    Common c;
    for (const std::string& a : args)
        c.json = c.json || a == "--json";
    if (args.empty())
        return fail(c, "job", "needs a subcommand: add, edit, list, show, remove, export or import");
    const std::string sub = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "add") return jobAdd(rest);
    if (sub == "edit") return jobEdit(rest);
    if (sub == "list") return jobList(rest);
    if (sub == "show") return jobShow(rest);
    if (sub == "remove" || sub == "rm") return jobRemove(rest);
    if (sub == "export") return jobExport(rest);
    if (sub == "import") return jobImport(rest);
    return fail(c, "job", "unknown subcommand '" + sub + "' (use add, edit, list, show, remove, export or import)");
}

} // namespace ferry::cli
