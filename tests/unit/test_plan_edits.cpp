// Preview edits: a flipped or excluded action runs exactly as edited, and
// the next run agrees with what happened.
#include "engine/plan.h"
#include "syncfixture.h"

#include <catch2/catch.hpp>

using namespace ferry;
using namespace ferry::test;

namespace {

// Plans, lets `edit` change the plan, executes it; returns the report.
template <typename Edit>
SyncReport planEditRun(const SyncPair& p, Edit edit)
{
    SyncRun run(std::make_unique<LocalBackend>(p.left), std::make_unique<LocalBackend>(p.right), p.options());
    REQUIRE(run.plan());
    edit(run.currentPlan());
    run.execute();
    return run.report();
}

Action* find(Plan& plan, const std::string& path)
{
    for (Action& a : plan.actions)
        if (a.path == path && a.op != Op::RecordBase)
            return &a;
    return nullptr;
}

bool quiet(const SyncPair& p)
{
    SyncRun run(std::make_unique<LocalBackend>(p.left), std::make_unique<LocalBackend>(p.right), p.options());
    REQUIRE(run.plan());
    for (const Action& a : run.currentPlan().actions)
        if (a.op != Op::RecordBase)
            return false;
    return true;
}

} // namespace

TEST_CASE("a flipped copy of an edited file carries the other side's version back", "[plan]")
{
    SyncPair p;
    writeFile(p.left + "/doc.txt", "original", 1700000000);
    REQUIRE(p.sync().exit == ExitCode::InSync);
    writeFile(p.left + "/doc.txt", "edited on the left", 1700000500);
    auto r = planEditRun(p, [](Plan& plan) {
        Action* a = find(plan, "doc.txt");
        REQUIRE(a);
        REQUIRE(a->op == Op::Copy);
        REQUIRE(a->target == Side::Right);
        REQUIRE(canFlip(*a));
        REQUIRE(flipDirection(*a));
        CHECK(a->target == Side::Left);
        CHECK(a->rule == "user-flipped");
    });
    CHECK(r.exit == ExitCode::InSync);
    CHECK(readFile(p.left + "/doc.txt") == "original");
    CHECK(readFile(p.right + "/doc.txt") == "original");
    CHECK(quiet(p));
}

TEST_CASE("a flipped copy of a new file deletes it where it appeared", "[plan]")
{
    SyncPair p;
    writeFile(p.left + "/keep", "k");
    REQUIRE(p.sync().exit == ExitCode::InSync);
    writeFile(p.left + "/stray.log", "not wanted");
    auto r = planEditRun(p, [](Plan& plan) {
        Action* a = find(plan, "stray.log");
        REQUIRE(a);
        REQUIRE(flipDirection(*a));
        CHECK(a->op == Op::Delete);
        CHECK(a->target == Side::Left);
    });
    CHECK(r.exit == ExitCode::InSync);
    CHECK_FALSE(exists(p.left + "/stray.log"));
    CHECK_FALSE(exists(p.right + "/stray.log"));
    CHECK(quiet(p));
}

TEST_CASE("a flipped deletion restores the file to the side that lost it", "[plan]")
{
    SyncPair p;
    writeFile(p.left + "/a", "alpha");
    writeFile(p.left + "/b", "beta");
    REQUIRE(p.sync().exit == ExitCode::InSync);
    ::unlink((p.left + "/a").c_str());
    auto r = planEditRun(p, [](Plan& plan) {
        Action* a = find(plan, "a");
        REQUIRE(a);
        REQUIRE(a->op == Op::Delete);
        REQUIRE(flipDirection(*a));
        CHECK(a->op == Op::Copy);
        CHECK(a->target == Side::Left);
    });
    CHECK(r.exit == ExitCode::InSync);
    CHECK(readFile(p.left + "/a") == "alpha");
    CHECK(readFile(p.right + "/a") == "alpha");
    CHECK(quiet(p));
}

TEST_CASE("excluded rows are not executed and come back next time", "[plan]")
{
    SyncPair p;
    writeFile(p.left + "/one", "1");
    writeFile(p.left + "/two", "2");
    auto r = planEditRun(p, [](Plan& plan) {
        Action* a = find(plan, "two");
        REQUIRE(a);
        a->excluded = true;
    });
    CHECK(r.exit == ExitCode::InSync);
    CHECK(exists(p.right + "/one"));
    CHECK_FALSE(exists(p.right + "/two"));
    CHECK_FALSE(quiet(p)); // still to do
    REQUIRE(p.sync().exit == ExitCode::InSync);
    CHECK(readFile(p.right + "/two") == "2");
}

TEST_CASE("folders, renames and conflicts are not flipped", "[plan]")
{
    Action folder;
    folder.op = Op::Copy;
    folder.kind = EntryKind::Directory;
    CHECK_FALSE(canFlip(folder));
    Action rename;
    rename.op = Op::Rename;
    CHECK_FALSE(canFlip(rename));
    Action conflict;
    conflict.op = Op::Conflict;
    CHECK_FALSE(flipDirection(conflict));
    CHECK(conflict.op == Op::Conflict);
}
