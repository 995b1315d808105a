// Reconciler rules as tables: base, left, right → actions (op, side, path, rule).
#include "builders.h"
#include "common/relpath.h"
#include "engine/reasons.h"
#include "engine/reconciler.h"

#include <catch2/catch.hpp>
#include <sstream>

using namespace ferry;
using namespace ferry::test;

namespace {

struct Expect {
    Op op;
    Side target;
    std::string path;
    std::string rule;
};

std::string show(const Plan& p)
{
    std::ostringstream s;
    for (const Action& a : p.actions)
        s << opName(a.op) << " " << sideName(a.target) << " " << a.path << " [" << a.rule << "] "
          << resolutionName(a.resolution) << " — " << reasonFor(a) << "\n";
    for (const PlanProblem& pr : p.problems)
        s << "problem " << pr.path << ": " << pr.message << "\n";
    return s.str();
}

void expectPlan(const Plan& plan, const std::vector<Expect>& want)
{
    INFO("plan:\n" << show(plan));
    REQUIRE(plan.actions.size() == want.size());
    for (const Expect& w : want) {
        bool found = false;
        for (const Action& a : plan.actions)
            if (a.op == w.op && a.target == w.target && a.path == w.path && a.rule == w.rule && !reasonFor(a).empty())
                found = true;
        INFO("expected " << opName(w.op) << " " << sideName(w.target) << " " << w.path << " [" << w.rule << "]");
        CHECK(found);
    }
}

SyncPolicy twoWay(ConflictPolicy c = ConflictPolicy::KeepBoth)
{
    SyncPolicy p;
    p.mode = SyncMode::TwoWay;
    p.conflict = c;
    p.hostName = "box";
    p.nowNs = kT0 + 1000 * kSec;
    return p;
}

} // namespace

TEST_CASE("neither side changed: nothing to do", "[reconciler]")
{
    auto b = baseState({base("a", 10, 0), baseDir("d"), base("d/x", 5, 0)});
    auto l = snap({file("a", 10, 0), dir("d"), file("d/x", 5, 0)});
    auto plan = reconcile(l, l, b, twoWay());
    expectPlan(plan, {});
}

TEST_CASE("two-way: a change on one side is carried to the other", "[reconciler]")
{
    struct Row {
        const char* name;
        std::vector<BaseEntry> base;
        std::vector<Entry> left, right;
        std::vector<Expect> want;
    };
    const std::vector<Row> rows = {
        {"new on the left", {}, {file("n", 3, 5)}, {}, {{Op::Copy, Side::Right, "n", "left-created"}}},
        {"new on the right", {}, {}, {file("n", 3, 5)}, {{Op::Copy, Side::Left, "n", "right-created"}}},
        {"edited on the left (size)", {base("a", 10, 0)}, {file("a", 11, 9)}, {file("a", 10, 0)},
         {{Op::Copy, Side::Right, "a", "left-changed"}}},
        {"edited on the right (time only, no hash known)", {base("a", 10, 0)}, {file("a", 10, 0)}, {file("a", 10, 7)},
         {{Op::Copy, Side::Left, "a", "right-changed"}}},
        {"deleted on the left", {base("a", 10, 0)}, {}, {file("a", 10, 0)},
         {{Op::Delete, Side::Right, "a", "left-deleted"}}},
        {"deleted on the right", {base("a", 10, 0)}, {file("a", 10, 0)}, {},
         {{Op::Delete, Side::Left, "a", "right-deleted"}}},
        {"deleted on both", {base("a", 10, 0)}, {}, {}, {{Op::ForgetBase, Side::Left, "a", "both-deleted"}}},
        {"new empty folder on the left", {}, {dir("e")}, {}, {{Op::Copy, Side::Right, "e", "left-created"}}},
        {"empty folder deleted on the right", {baseDir("e")}, {dir("e")}, {},
         {{Op::Delete, Side::Left, "e", "right-deleted"}}},
        {"file turned into a folder on the left", {base("t", 4, 0)}, {dir("t")}, {file("t", 4, 0)},
         {{Op::Copy, Side::Right, "t", "left-changed"}}},
    };
    for (const Row& r : rows) {
        SECTION(r.name)
        {
            expectPlan(reconcile(snap(r.left), snap(r.right), baseState(r.base), twoWay()), r.want);
        }
    }
}

TEST_CASE("two-way: equal changes on both sides only update the base", "[reconciler]")
{
    auto b = baseState({base("a", 10, 0)});
    // Same size and time on both sides after edits: still compared by content.
    CHECK(reconcile(snap({file("a", 12, 5)}), snap({file("a", 12, 5)}), b, twoWay()).needHashes.size() == 2);
    expectPlan(reconcile(snap({withHash(file("a", 12, 5), "twelve bytes")}), snap({withHash(file("a", 12, 5), "twelve bytes")}), b, twoWay()),
               {{Op::RecordBase, Side::Left, "a", "both-equal"}});
    // Both created the same folder.
    expectPlan(reconcile(snap({dir("d")}), snap({dir("d")}), baseState({}), twoWay()),
               {{Op::RecordBase, Side::Left, "d", "first-run-equal"}});
}

TEST_CASE("two-way: same-size edits at different times are compared by content before a conflict", "[reconciler]")
{
    auto b = baseState({base("a", 10, 0)});
    auto l = snap({file("a", 12, 5)});
    auto r = snap({file("a", 12, 9)});
    Plan first = reconcile(l, r, b, twoWay());
    REQUIRE(first.needHashes.size() == 2);
    // Same bytes: no conflict.
    auto lh = snap({withHash(file("a", 12, 5), "same content")});
    auto rh = snap({withHash(file("a", 12, 9), "same content")});
    expectPlan(reconcile(lh, rh, b, twoWay()), {{Op::RecordBase, Side::Left, "a", "both-equal"}});
    // Different bytes: a conflict.
    auto rd = snap({withHash(file("a", 12, 9), "other bytes!")});
    Plan p = reconcile(lh, rd, b, twoWay());
    expectPlan(p, {{Op::Conflict, Side::Right, "a", "both-changed"}});
}

TEST_CASE("two-way: a touch is not an edit", "[reconciler]")
{
    auto b = baseState({baseWithHash(base("a", 4, 0), "abcd")});
    SECTION("touched on the left only: the time is carried")
    {
        auto l = snap({withHash(file("a", 4, 30), "abcd")});
        auto r = snap({file("a", 4, 0)});
        expectPlan(reconcile(l, r, b, twoWay()), {{Op::SetTime, Side::Right, "a", "left-touched"}});
    }
    SECTION("touched on one side, edited on the other: the edit wins, no conflict")
    {
        auto l = snap({withHash(file("a", 4, 30), "abcd")});
        auto r = snap({withHash(file("a", 4, 40), "wxyz")});
        expectPlan(reconcile(l, r, b, twoWay()), {{Op::Copy, Side::Left, "a", "right-changed"}});
    }
    SECTION("touched on both: the base is updated")
    {
        auto l = snap({withHash(file("a", 4, 30), "abcd")});
        auto r = snap({withHash(file("a", 4, 40), "abcd")});
        expectPlan(reconcile(l, r, b, twoWay()), {{Op::RecordBase, Side::Left, "a", "both-touched"}});
    }
    SECTION("a new time without a hash asks for one")
    {
        auto l = snap({file("a", 4, 30)});
        auto r = snap({file("a", 4, 0)});
        Plan p = reconcile(l, r, b, twoWay());
        REQUIRE(p.needHashes.size() == 1);
        CHECK(p.needHashes[0] == std::make_pair(Side::Left, std::string("a")));
    }
}

TEST_CASE("two-way: conflicts and their resolutions", "[reconciler]")
{
    auto b = baseState({base("doc.txt", 10, 0)});
    auto l = snap({file("doc.txt", 11, 50)});
    auto r = snap({file("doc.txt", 12, 60)});
    struct Row { ConflictPolicy policy; Resolution res; };
    for (Row row : {Row{ConflictPolicy::Ask, Resolution::Pending}, Row{ConflictPolicy::Skip, Resolution::Pending},
                    Row{ConflictPolicy::LeftWins, Resolution::KeepLeft}, Row{ConflictPolicy::RightWins, Resolution::KeepRight},
                    Row{ConflictPolicy::Newer, Resolution::KeepRight}, Row{ConflictPolicy::KeepBoth, Resolution::KeepBoth}}) {
        Plan p = reconcile(l, r, b, twoWay(row.policy));
        expectPlan(p, {{Op::Conflict, Side::Right, "doc.txt", "both-changed"}});
        CHECK(p.actions[0].resolution == row.res);
        CHECK(reasonFor(p.actions[0]).find("left") != std::string::npos);
        if (row.res == Resolution::KeepBoth) {
            CHECK(p.actions[0].loser == Side::Left); // the older version is renamed
            CHECK(p.actions[0].conflictName() == "doc (conflict 2025-11-24 161640 box).txt");
        }
        CHECK(p.pendingConflicts() == (row.res == Resolution::Pending ? 1 : 0));
    }
}

TEST_CASE("first run: union, never a deletion; different content is a conflict", "[reconciler]")
{
    auto l = snap({file("only-left", 1, 0), dir("d"), withHash(file("d/same", 5, 3), "five!"), file("both", 4, 1)});
    auto r = snap({file("only-right", 2, 0), dir("d"), withHash(file("d/same", 5, 3), "five!"), file("both", 6, 2)});
    Plan p = reconcile(l, r, baseState({}), twoWay());
    expectPlan(p, {{Op::Copy, Side::Right, "only-left", "left-created"},
                   {Op::Copy, Side::Left, "only-right", "right-created"},
                   {Op::RecordBase, Side::Left, "d", "first-run-equal"},
                   {Op::RecordBase, Side::Left, "d/same", "first-run-equal"},
                   {Op::Conflict, Side::Right, "both", "first-run-differ"}});
    CHECK(p.deletions(Side::Left) == 0);
    CHECK(p.deletions(Side::Right) == 0);
}

TEST_CASE("first run: same size and time on both sides is compared by content before it counts as equal",
          "[reconciler]")
{
    struct Row {
        const char* name;
        std::vector<Entry> left, right;
        size_t hashesWanted;
        std::vector<Expect> want;
    };
    const std::vector<Row> rows = {
        {"no hashes yet: both are read first, nothing is decided", {file("f", 5, 3)}, {file("f", 5, 3)}, 2, {}},
        {"one hash known: only the other is read", {withHash(file("f", 5, 3), "aaaaa")}, {file("f", 5, 3)}, 1, {}},
        {"same bytes: recorded as equal", {withHash(file("f", 5, 3), "aaaaa")}, {withHash(file("f", 5, 3), "aaaaa")}, 0,
         {{Op::RecordBase, Side::Left, "f", "first-run-equal"}}},
        {"different bytes: a conflict", {withHash(file("f", 5, 3), "aaaaa")}, {withHash(file("f", 5, 3), "bbbbb")}, 0,
         {{Op::Conflict, Side::Right, "f", "first-run-differ"}}},
        {"different sizes: a conflict without reading", {file("f", 5, 3)}, {file("f", 6, 3)}, 0,
         {{Op::Conflict, Side::Right, "f", "first-run-differ"}}},
        {"one side empty: nothing to read", {file("f", 5, 3)}, {}, 0, {{Op::Copy, Side::Right, "f", "left-created"}}},
    };
    for (const Row& row : rows) {
        SECTION(row.name)
        {
            Plan p = reconcile(snap(row.left), snap(row.right), baseState({}), twoWay());
            CHECK(p.needHashes.size() == row.hashesWanted);
            expectPlan(p, row.want);
        }
    }
    SECTION("different bytes under keep-both: the loser gets a conflict name")
    {
        Plan p = reconcile(snap({withHash(file("f.txt", 5, 3), "aaaaa")}), snap({withHash(file("f.txt", 5, 3), "bbbbb")}),
                           baseState({}), twoWay());
        REQUIRE(p.actions.size() == 1);
        CHECK(p.actions[0].resolution == Resolution::KeepBoth);
        CHECK_FALSE(p.actions[0].conflictName().empty());
    }
    SECTION("a new path on both sides of a synced pair is compared too")
    {
        auto b = baseState({base("old", 1, 0)});
        Plan p = reconcile(snap({file("old", 1, 0), file("new", 5, 3)}), snap({file("old", 1, 0), file("new", 5, 3)}), b,
                           twoWay());
        CHECK(p.needHashes.size() == 2);
        CHECK(p.actions.empty());
    }
    SECTION("mirror and update trust equal size and time, as before")
    {
        for (SyncMode m : {SyncMode::Mirror, SyncMode::Update}) {
            SyncPolicy pol;
            pol.mode = m;
            Plan p = reconcile(snap({file("f", 5, 3)}), snap({file("f", 5, 3)}), baseState({}), pol);
            CHECK(p.needHashes.empty());
            CHECK(p.actions.empty());
        }
    }
}

TEST_CASE("a deletion against an edit: the edit wins", "[reconciler]")
{
    auto b = baseState({base("a", 10, 0)});
    expectPlan(reconcile(snap({}), snap({file("a", 20, 9)}), b, twoWay()),
               {{Op::Copy, Side::Left, "a", "delete-vs-edit"}});
    expectPlan(reconcile(snap({file("a", 20, 9)}), snap({}), b, twoWay()),
               {{Op::Copy, Side::Right, "a", "delete-vs-edit"}});
}

TEST_CASE("a folder deleted on one side while the other changed inside is a conflict; changed items kept",
          "[reconciler]")
{
    auto b = baseState({baseDir("d"), base("d/keep", 3, 0), base("d/old", 4, 0), baseDir("d/sub"), base("d/sub/x", 1, 0)});
    auto l = snap({});
    auto r = snap({dir("d"), file("d/keep", 30, 9), file("d/old", 4, 0), dir("d/sub"), file("d/sub/x", 1, 0),
                   file("d/new", 2, 9)});
    SECTION("keep-both: the changed and new files come back, the unchanged ones go")
    {
        Plan p = reconcile(l, r, b, twoWay(ConflictPolicy::KeepBoth));
        expectPlan(p, {{Op::Conflict, Side::Left, "d", "folder-deleted-vs-changed"},
                       {Op::Copy, Side::Left, "d", "folder-deleted-vs-changed"},
                       {Op::Copy, Side::Left, "d/keep", "delete-vs-edit"},
                       {Op::Copy, Side::Left, "d/new", "right-created"},
                       {Op::Delete, Side::Right, "d/old", "left-deleted"},
                       {Op::Delete, Side::Right, "d/sub", "left-deleted"},
                       {Op::Delete, Side::Right, "d/sub/x", "left-deleted"}});
        CHECK(p.pendingConflicts() == 0);
    }
    SECTION("skip: nothing in the folder is touched and the conflict stays")
    {
        Plan p = reconcile(l, r, b, twoWay(ConflictPolicy::Skip));
        expectPlan(p, {{Op::Conflict, Side::Left, "d", "folder-deleted-vs-changed"}});
        CHECK(p.pendingConflicts() == 1);
    }
    SECTION("right wins: the whole folder is restored on the left")
    {
        Plan p = reconcile(l, r, b, twoWay(ConflictPolicy::RightWins));
        CHECK(p.deletions(Side::Right) == 0);
        CHECK(p.count(Op::Copy, Side::Left) == 6); // d, keep, new, old, sub, sub/x
    }
    SECTION("left wins: the whole folder goes on the right")
    {
        Plan p = reconcile(l, r, b, twoWay(ConflictPolicy::LeftWins));
        CHECK(p.deletions(Side::Right) == 6);
        CHECK(p.count(Op::Copy, Side::Left) == 0);
    }
}

TEST_CASE("a folder deleted with nothing changed inside is deleted on the other side", "[reconciler]")
{
    auto b = baseState({baseDir("d"), base("d/a", 3, 0)});
    expectPlan(reconcile(snap({}), snap({dir("d"), file("d/a", 3, 0)}), b, twoWay()),
               {{Op::Delete, Side::Right, "d", "left-deleted"}, {Op::Delete, Side::Right, "d/a", "left-deleted"}});
}

TEST_CASE("renames by file id are carried as renames; a renamed folder is one rename", "[reconciler]")
{
    auto b = baseState({baseDir("photos", 100, 200), base("photos/1.jpg", 50, 0, 101, 201),
                        base("photos/2.jpg", 60, 0, 102, 202), base("notes.txt", 7, 0, 103, 203)});
    auto l = snap({dir("pictures", 100), file("pictures/1.jpg", 50, 0, 101), file("pictures/2.jpg", 60, 0, 102),
                   file("notes-renamed.txt", 7, 0, 103)});
    auto r = snap({dir("photos", 200), file("photos/1.jpg", 50, 0, 201), file("photos/2.jpg", 60, 0, 202),
                   file("notes.txt", 7, 0, 203)});
    Plan p = reconcile(l, r, b, twoWay());
    expectPlan(p, {{Op::Rename, Side::Right, "pictures", "left-renamed"},
                   {Op::Rename, Side::Right, "notes-renamed.txt", "left-renamed"}});
    CHECK(p.actions[0].fromPath() == "photos");
    CHECK(p.deletions(Side::Right) == 0);
}

TEST_CASE("a renamed folder with an edit inside: rename, then the edit", "[reconciler]")
{
    auto b = baseState({baseDir("a", 1, 2), base("a/f", 5, 0, 11, 12)});
    auto l = snap({dir("b", 1), file("b/f", 5, 0, 11)});
    auto r = snap({dir("a", 2), file("a/f", 9, 4, 12)}); // edited on the right
    Plan p = reconcile(l, r, b, twoWay());
    expectPlan(p, {{Op::Rename, Side::Right, "b", "left-renamed"}, {Op::Copy, Side::Left, "b/f", "right-changed"}});
    CHECK(p.actions[1].sourcePath().empty());
}

TEST_CASE("renames by size, time and content hash when file ids are unknown", "[reconciler]")
{
    auto b = baseState({baseWithHash(base("old.bin", 8, 0), "12345678")});
    auto l = snap({withHash(file("new.bin", 8, 0), "12345678")});
    auto r = snap({file("old.bin", 8, 0)});
    SyncPolicy pol = twoWay();
    pol.leftCaps.fileIds = false;
    expectPlan(reconcile(l, r, b, pol), {{Op::Rename, Side::Right, "new.bin", "left-renamed"}});
    // Without the hash of the new file, the reconciler asks for it.
    Plan ask = reconcile(snap({file("new.bin", 8, 0)}), r, b, pol);
    CHECK(ask.needHashes.size() == 1);
}

TEST_CASE("a side whose file ids are not stable never has a rename told by id", "[reconciler][capabilities]")
{
    // FAT on Linux reports inode numbers made up from where an entry lies,
    // so a new file can get the number of one deleted a moment ago. Taken as
    // a rename, the old content would arrive under the new name (the other
    // side holds the old bytes). Same size and time: only the id links them;
    // the new file's content differs (its hash is known and another).
    auto b = baseState({baseWithHash(base("old.txt", 8, 0, 7, 70), "old-byte")});
    auto l = snap({withHash(file("new.txt", 8, 0, 7), "new-byte")}); // id 7 again, another file
    auto r = snap({file("old.txt", 8, 0, 70)});
    SyncPolicy pol = twoWay();
    pol.leftCaps.fileIds = false;
    Plan p = reconcile(l, r, b, pol);
    CHECK(p.count(Op::Rename, Side::Right) == 0);
    CHECK(p.count(Op::Copy, Side::Right) == 1);   // new.txt, with its own bytes
    CHECK(p.count(Op::Delete, Side::Right) == 1); // old.txt, deleted on the left
    // Where ids are stable, the same scan is a rename (the check above is not vacuous).
    CHECK(reconcile(l, r, b, twoWay()).count(Op::Rename, Side::Right) == 1);
}

TEST_CASE("a renamed folder does not count as mass deletion", "[reconciler]")
{
    std::vector<BaseEntry> bv{baseDir("big", 1, 2)};
    std::vector<Entry> lv{dir("renamed", 1)}, rv{dir("big", 2)};
    for (int i = 0; i < 50; ++i) {
        std::string n = std::to_string(i);
        bv.push_back(base("big/" + n, 1, 0, 100 + i, 200 + i));
        lv.push_back(file("renamed/" + n, 1, 0, 100 + i));
        rv.push_back(file("big/" + n, 1, 0, 200 + i));
    }
    Plan p = reconcile(snap(lv), snap(rv), baseState(bv), twoWay());
    CHECK(p.deletions(Side::Right) == 0);
    CHECK(p.count(Op::Rename, Side::Right) == 1);
    CHECK(p.actions.size() == 1);
}

TEST_CASE("time tolerance and DST shift", "[reconciler]")
{
    SyncPolicy m;
    m.mode = SyncMode::Mirror;
    auto l = snap({file("a", 5, 0)});
    Entry shifted = file("a", 5, 1);
    CHECK(reconcile(l, snap({shifted}), baseState({}), m).actions.size() == 1);
    m.toleranceNs = 2 * kSec;
    CHECK(reconcile(l, snap({shifted}), baseState({}), m).actions.empty());
    Entry hour = file("a", 5, 3600);
    CHECK(reconcile(l, snap({hour}), baseState({}), m).actions.size() == 1);
    m.ignoreDstShift = true;
    CHECK(reconcile(l, snap({hour}), baseState({}), m).actions.empty());
}

TEST_CASE("NFC and NFD spellings are one item", "[reconciler]")
{
    const std::string nfc = "caf\xC3\xA9.txt", nfd = "cafe\xCC\x81.txt";
    Plan p = reconcile(snap({withHash(file(nfc, 3, 0), "abc")}), snap({withHash(file(nfd, 3, 0), "abc")}), baseState({}),
                       twoWay());
    expectPlan(p, {{Op::RecordBase, Side::Left, nfc, "first-run-equal"}});
    // An edit on the NFC side is written over the NFD name on the other side.
    auto b = baseState({base(nfc, 3, 0)});
    Plan e = reconcile(snap({file(nfc, 9, 5)}), snap({file(nfd, 3, 0)}), b, twoWay());
    expectPlan(e, {{Op::Copy, Side::Right, nfd, "left-changed"}});
    CHECK(e.actions[0].sourcePath() == nfc);
}

TEST_CASE("two Unicode forms of one name: one item only where a side folds them", "[reconciler]")
{
    const std::string c = "dir-\xC3\x85", d = "dir-A\xCC\x8A"; // "dir-Å" as NFC and as NFD
    SyncPolicy plain = twoWay();
    SyncPolicy rightFolds = twoWay();
    rightFolds.rightCaps.normalizationInsensitive = true;
    SyncPolicy leftFolds = twoWay();
    leftFolds.leftCaps.normalizationInsensitive = true;
    auto h = [](Entry e) { return withHash(e, "x"); };
    struct Row {
        const char* name;
        SyncPolicy pol;
        std::vector<BaseEntry> base;
        std::vector<Entry> left, right;
        std::vector<Expect> want;
        size_t problems;
    };
    const std::vector<Row> rows = {
        {"one file, NFC on the left and NFD on the right, nobody folds: one item", plain, {}, {h(file(c, 1, 0))},
         {h(file(d, 1, 0))}, {{Op::RecordBase, Side::Left, c, "first-run-equal"}}, 0},
        {"one file, NFC on the left and NFD on the right, the right folds: one item", rightFolds, {}, {h(file(c, 1, 0))},
         {h(file(d, 1, 0))}, {{Op::RecordBase, Side::Left, c, "first-run-equal"}}, 0},
        {"both forms on the left, nobody folds: two items, copied with their exact bytes", plain, {},
         {file(c, 1, 0), file(d, 2, 0)}, {},
         {{Op::Copy, Side::Right, c, "left-created"}, {Op::Copy, Side::Right, d, "left-created"}}, 0},
        {"both forms as folders with files, nobody folds: four items", plain, {},
         {dir(c), file(c + "/a", 1, 0), dir(d), file(d + "/b", 1, 0)}, {},
         {{Op::Copy, Side::Right, c, "left-created"},
          {Op::Copy, Side::Right, c + "/a", "left-created"},
          {Op::Copy, Side::Right, d, "left-created"},
          {Op::Copy, Side::Right, d + "/b", "left-created"}},
         0},
        {"both forms on the left, one on the right, nobody folds: the exact spelling pairs", plain, {},
         {file(c, 1, 0), h(file(d, 1, 0))}, {h(file(d, 1, 0))},
         {{Op::Copy, Side::Right, c, "left-created"}, {Op::RecordBase, Side::Left, d, "first-run-equal"}}, 0},
        {"both forms on both sides and in the base: nothing to do", plain, {base(c, 1, 0), base(d, 2, 0)},
         {file(c, 1, 0), file(d, 2, 0)}, {file(c, 1, 0), file(d, 2, 0)}, {}, 0},
        {"both forms synced, one deleted on the left: only that one is deleted on the right", plain,
         {base(c, 1, 0), base(d, 2, 0)}, {file(c, 1, 0)}, {file(c, 1, 0), file(d, 2, 0)},
         {{Op::Delete, Side::Right, d, "left-deleted"}}, 0},
        {"both forms synced, one edited on the right: only that one is copied", plain, {base(c, 1, 0), base(d, 2, 0)},
         {file(c, 1, 0), file(d, 2, 0)}, {file(c, 1, 0), file(d, 5, 9)}, {{Op::Copy, Side::Left, d, "right-changed"}}, 0},
        // Paired across sides (NFD left, NFC right, base NFC), then an NFC file
        // appears on the left too: the pairing ends, nothing is deleted.
        {"a second form beside a paired one, base in the right's form: nothing deleted", plain, {base(c, 1, 0)},
         {file(d, 1, 0), file(c, 2, 9)}, {file(c, 1, 0)},
         {{Op::Copy, Side::Right, c, "left-changed"}, {Op::Copy, Side::Right, d, "left-created"}}, 0},
        // With the base in the spelling only the left still holds, the right
        // holds the item under its other spelling: not a deletion.
        {"a second form with the same bytes beside a paired one, base in the left's form: nothing deleted", plain,
         {base(d, 1, 0)}, {file(d, 1, 0), h(file(c, 1, 9))}, {h(file(c, 1, 0))},
         {{Op::Copy, Side::Right, d, "left-created"}, {Op::RecordBase, Side::Left, c, "first-run-equal"}}, 0},
        {"a second form with other bytes beside a paired one, base in the left's form: both kept on both sides",
         plain, {base(d, 1, 0)}, {file(d, 1, 0), file(c, 2, 9)}, {file(c, 1, 0)},
         {{Op::Copy, Side::Right, d, "left-created"}, {Op::Copy, Side::Right, c, "left-changed"}}, 0},
        {"a second form with other bytes on the right, base in the right's form: both kept on both sides", plain,
         {base(d, 1, 0)}, {file(c, 1, 0)}, {file(d, 1, 0), file(c, 2, 9)},
         {{Op::Copy, Side::Left, d, "right-created"}, {Op::Copy, Side::Left, c, "right-changed"}}, 0},
        {"a second form beside a paired one that was edited too: a conflict, nothing deleted", plain,
         {base(d, 1, 0)}, {file(d, 1, 0), file(c, 2, 9)}, {file(c, 3, 8)},
         {{Op::Copy, Side::Right, d, "left-created"}, {Op::Conflict, Side::Right, c, "first-run-differ"}}, 0},
        {"a second form of a paired folder: its items are kept under both spellings, nothing deleted", plain,
         {baseDir(d), base(d + "/a", 1, 0)}, {dir(d), file(d + "/a", 1, 0), dir(c), file(c + "/b", 2, 9)},
         {dir(c), file(c + "/a", 1, 0)},
         {{Op::Copy, Side::Right, d, "left-created"},
          {Op::Copy, Side::Right, d + "/a", "left-created"},
          {Op::RecordBase, Side::Left, c, "first-run-equal"},
          {Op::Copy, Side::Left, c + "/a", "right-created"},
          {Op::Copy, Side::Right, c + "/b", "left-created"}},
         0},
        {"both forms on the left, the right folds: a clear problem, nothing synced", rightFolds, {},
         {file(c, 1, 0), file(d, 2, 0)}, {}, {}, 1},
        {"both forms on the right, the left folds: a clear problem, nothing synced", leftFolds, {}, {},
         {file(c, 1, 0), file(d, 2, 0)}, {}, 1},
        {"both forms of a folder on the left, the right folds: the folders and their files are held", rightFolds, {},
         {dir(c), file(c + "/a", 1, 0), dir(d), file(d + "/b", 1, 0)}, {}, {}, 1},
    };
    for (const Row& row : rows) {
        SECTION(row.name)
        {
            Plan p = reconcile(snap(row.left), snap(row.right), baseState(row.base), row.pol);
            expectPlan(p, row.want);
            CHECK(p.problems.size() == row.problems);
            CHECK(p.needHashes.empty());
            for (const Action& a : p.actions)
                if (a.op == Op::Copy)
                    CHECK((a.sourcePath().empty() || a.sourcePath() == a.path)); // exact bytes, never respelled
        }
    }
    SECTION("the problem names the side that folds")
    {
        Plan p = reconcile(snap({file(c, 1, 0), file(d, 2, 0)}), snap({}), baseState({}), rightFolds);
        REQUIRE(p.problems.size() == 1);
        CHECK(p.problems[0].message.find("one name on the right") != std::string::npos);
        CHECK(p.problems[0].operation == "check name");
    }
    SECTION("a snapshot that folds forms counts like the capability")
    {
        Snapshot r = snap({});
        r.normalizationInsensitive = true;
        Plan p = reconcile(snap({file(c, 1, 0), file(d, 2, 0)}), r, baseState({}), plain);
        CHECK(p.actions.empty());
        CHECK(p.problems.size() == 1);
    }
}

TEST_CASE("case-insensitive targets: case clashes are reported, case-only renames are renames", "[reconciler]")
{
    SyncPolicy pol = twoWay();
    pol.rightCaps.caseInsensitive = true;
    Plan clash = reconcile(snap({file("Read.me", 1, 0), file("READ.ME", 2, 0)}), snap({}), baseState({}), pol);
    CHECK(clash.actions.empty());
    CHECK(clash.problems.size() == 1);
    // "a.txt" renamed to "A.txt" on the left: same inode.
    auto b = baseState({base("a.txt", 3, 0, 7, 8)});
    Plan ren = reconcile(snap({file("A.txt", 3, 0, 7)}), snap({file("a.txt", 3, 0, 8)}), b, pol);
    // One item under case folding: carried as a case-only rename, nothing copied or deleted.
    expectPlan(ren, {{Op::Rename, Side::Right, "A.txt", "left-renamed"}});
    CHECK(ren.actions[0].fromPath() == "a.txt");
    // An edit together with the case change: the rename, then the copy onto the new name.
    Plan both = reconcile(snap({file("A.txt", 9, 5, 7)}), snap({file("a.txt", 3, 0, 8)}), b, pol);
    expectPlan(both, {{Op::Rename, Side::Right, "A.txt", "left-renamed"}, {Op::Copy, Side::Right, "A.txt", "left-changed"}});
}

TEST_CASE("pre-flight: names the target refuses are reported before anything is copied", "[reconciler]")
{
    SyncPolicy pol = twoWay();
    pol.rightCaps.windowsNames = true;
    pol.rightCaps.maxNameBytes = 20;
    auto l = snap({file("ok.txt", 1, 0), file("what?.txt", 1, 0), file(std::string(30, 'x'), 1, 0), dir("bad:dir"),
                   file("bad:dir/inner", 1, 0), file("trailing.", 1, 0)});
    Plan p = reconcile(l, snap({}), baseState({}), pol);
    expectPlan(p, {{Op::Copy, Side::Right, "ok.txt", "left-created"}});
    CHECK(p.problems.size() == 4);
}

TEST_CASE("blocked paths (unreadable folders, special files) get no action", "[reconciler]")
{
    auto b = baseState({baseDir("locked"), base("locked/a", 1, 0), base("fifo", 0, 0)});
    SyncPolicy pol = twoWay();
    pol.leftBlocked = {"locked", "fifo"};
    // The unreadable folder was listed without children; the right still has them.
    Plan p = reconcile(snap({dir("locked")}), snap({dir("locked"), file("locked/a", 1, 0), file("fifo", 0, 0)}), b, pol);
    expectPlan(p, {});
}

TEST_CASE("excluded base entries are ignored", "[reconciler]")
{
    auto b = baseState({base("keep.tmp", 1, 0), base("x", 1, 0)});
    SyncPolicy pol = twoWay();
    pol.filter = Filter({"*.tmp"});
    // keep.tmp vanished from the snapshots only because it is excluded now.
    Plan p = reconcile(snap({file("x", 1, 0)}), snap({file("x", 1, 0)}), b, pol);
    expectPlan(p, {});
}

TEST_CASE("mirror: the right becomes an exact copy of the left", "[reconciler]")
{
    SyncPolicy m;
    m.mode = SyncMode::Mirror;
    auto l = snap({file("same", 1, 0), file("changed", 2, 5), file("new", 3, 0), dir("d"), file("d/x", 1, 0)});
    auto r = snap({file("same", 1, 0), file("changed", 2, 0), file("extra", 9, 0), file("d", 4, 0)});
    Plan p = reconcile(l, r, baseState({}), m);
    expectPlan(p, {{Op::Copy, Side::Right, "changed", "mirror-differ"},
                   {Op::Copy, Side::Right, "new", "mirror-missing"},
                   {Op::Delete, Side::Right, "extra", "mirror-extra"},
                   {Op::Copy, Side::Right, "d", "mirror-differ"},
                   {Op::Copy, Side::Right, "d/x", "mirror-missing"}});
}

TEST_CASE("update: copies new and changed files, never deletes", "[reconciler]")
{
    SyncPolicy u;
    u.mode = SyncMode::Update;
    auto l = snap({file("new", 1, 0), file("newer", 2, 9), file("older", 3, 0), file("same", 5, 0), file("kind", 1, 0)});
    auto r = snap({file("newer", 2, 0), file("older", 4, 9), file("extra", 1, 0), file("same", 5, 0), dir("kind")});
    Plan p = reconcile(l, r, baseState({}), u);
    expectPlan(p, {{Op::Copy, Side::Right, "new", "update-missing"},
                   {Op::Copy, Side::Right, "newer", "update-changed"},
                   {Op::Copy, Side::Right, "older", "update-changed"}});
    CHECK(p.deletions(Side::Right) == 0);
    REQUIRE(p.problems.size() == 1); // "kind": a file against a folder
    CHECK(p.problems[0].path == "kind");
}

TEST_CASE("update: a file against a folder is reported in both directions, nothing below is touched", "[reconciler]")
{
    SyncPolicy u;
    u.mode = SyncMode::Update;
    struct Row {
        const char* name;
        std::vector<Entry> left, right;
        std::vector<Expect> want;
    };
    const std::vector<Row> rows = {
        {"a file on the left, a folder on the right", {file("x", 3, 0), file("y", 1, 0)},
         {dir("x"), file("x/inner", 1, 0)}, {{Op::Copy, Side::Right, "y", "update-missing"}}},
        {"an empty folder on the left, a file on the right", {dir("x")}, {file("x", 3, 0)}, {}},
        {"a folder with files on the left, a file on the right", {dir("x"), file("x/inner", 1, 0)}, {file("x", 3, 0)},
         {}},
        {"a symlink on the left, a file on the right", {[] { Entry e = file("x", 3, 0); e.kind = EntryKind::Symlink; return e; }()},
         {file("x", 3, 0)}, {}},
    };
    for (const Row& row : rows) {
        SECTION(row.name)
        {
            Plan p = reconcile(snap(row.left), snap(row.right), baseState({}), u);
            expectPlan(p, row.want);
            REQUIRE(p.problems.size() == 1);
            CHECK(p.problems[0].path == "x");
            CHECK(p.problems[0].message.find("left alone") != std::string::npos);
            CHECK(p.problems[0].operation == "leave alone");
            CHECK(p.deletions(Side::Right) == 0);
        }
    }
}

TEST_CASE("compare by content: equal times do not hide different bytes", "[reconciler]")
{
    SyncPolicy m;
    m.mode = SyncMode::Mirror;
    m.compare = CompareMode::Content;
    Plan ask = reconcile(snap({file("a", 4, 0)}), snap({file("a", 4, 0)}), baseState({}), m);
    CHECK(ask.needHashes.size() == 2);
    Plan differ = reconcile(snap({withHash(file("a", 4, 0), "abcd")}), snap({withHash(file("a", 4, 0), "abce")}),
                            baseState({}), m);
    expectPlan(differ, {{Op::Copy, Side::Right, "a", "mirror-differ"}});
    Plan same = reconcile(snap({withHash(file("a", 4, 0), "abcd")}), snap({withHash(file("a", 4, 0), "abcd")}),
                          baseState({}), m);
    expectPlan(same, {});
}

TEST_CASE("a file against a folder: keep-both keeps the folder's name for the folder", "[reconciler]")
{
    auto l = snap({file("x", 3, 0)});
    auto r = snap({dir("x"), file("x/inner", 1, 0)});
    Plan p = reconcile(l, r, baseState({}), twoWay());
    INFO(show(p));
    REQUIRE(p.actions.size() == 2);
    CHECK(p.actions[0].op == Op::Conflict);
    CHECK(p.actions[0].resolution == Resolution::KeepBoth);
    CHECK(p.actions[0].loser == Side::Left);
    CHECK(p.actions[1].op == Op::Copy);
    CHECK(p.actions[1].target == Side::Left);
    CHECK(p.actions[1].path == "x/inner");
}

TEST_CASE("conflict names keep the extension and name the host and time", "[reconciler]")
{
    CHECK(conflictName("dir/report.txt", kT0, "laptop") == "dir/report (conflict 2025-11-24 160000 laptop).txt");
    CHECK(conflictName("Makefile", kT0, "pc") == "Makefile (conflict 2025-11-24 160000 pc)");
    CHECK(conflictName(".bashrc", kT0, "pc") == ".bashrc (conflict 2025-11-24 160000 pc)");
}

TEST_CASE("conflict names of long names are cut to fit the side, keeping the marker and extension", "[reconciler]")
{
    const std::string marker = " (conflict 2025-11-24 160000 pc)";
    struct Row {
        const char* name;
        std::string path;
        int maxBytes;
        std::string want;
    };
    const std::string a240(240, 'a');
    const std::string e2 = "\xC3\xA9"; // é, two bytes
    // 119 two-byte characters and one more byte: any cut in the middle would split one.
    std::string accents;
    for (int i = 0; i < 119; ++i)
        accents += e2;
    const std::vector<Row> rows = {
        {"a 245-byte name: the stem is cut, the extension kept", "dir/" + a240 + ".txt", 255,
         "dir/" + std::string(255 - marker.size() - 4, 'a') + marker + ".txt"},
        {"a short name is left whole", "report.txt", 255, "report" + marker + ".txt"},
        // 232 leaves 196 bytes for the stem, which would end inside the 98th é.
        {"cut on a character boundary", "x" + accents + ".txt", 232, "x" + accents.substr(0, 97 * 2) + marker + ".txt"},
        {"an absurdly long extension is cut like the stem", "n." + std::string(240, 'e'), 255,
         "n." + std::string(255 - marker.size() - 2, 'e') + marker},
        {"no extension", std::string(250, 'b'), 100, std::string(100 - marker.size(), 'b') + marker},
    };
    for (const Row& row : rows) {
        SECTION(row.name)
        {
            const std::string got = conflictName(row.path, kT0, "pc", row.maxBytes);
            CHECK(got == row.want);
            CHECK(relpath::name(got).size() <= size_t(row.maxBytes));
            CHECK(relpath::isValidUtf8(got));
        }
    }
    SECTION("the reconciler uses the smaller limit of the two sides")
    {
        const std::string name = std::string(245 - 4, 'k') + ".txt";
        SyncPolicy pol = twoWay();
        pol.leftCaps.maxNameBytes = 200;
        Plan p = reconcile(snap({withHash(file(name, 5, 3), "aaaaa")}), snap({withHash(file(name, 5, 9), "bbbbb")}),
                           baseState({}), pol);
        REQUIRE(p.actions.size() == 1);
        CHECK(p.actions[0].resolution == Resolution::KeepBoth);
        CHECK(p.actions[0].conflictName().size() == 200);
        CHECK(p.actions[0].conflictName().find(" (conflict ") != std::string::npos);
        CHECK(p.actions[0].conflictName().substr(196) == ".txt");
    }
}

TEST_CASE("keep-both names are unique in the plan and on both sides and numbered within the limit",
          "[reconciler]")
{
    const std::string marker = " (conflict 2025-11-24 160000 pc)";
    SECTION("a number goes after the marker, and a cut stem makes room for it")
    {
        CHECK(conflictName("dir/report.txt", kT0, "pc", 255, 2) == "dir/report" + marker + " 2.txt");
        const std::string got = conflictName(std::string(250, 'a') + ".txt", kT0, "pc", 255, 13);
        CHECK(got == std::string(255 - marker.size() - 3 - 4, 'a') + marker + " 13.txt");
    }
    // Two long names that differ only near the end are cut to one stem.
    const std::string stem(220, 'n');
    const std::string v1 = stem + "-v1.txt", v2 = stem + "-v2.txt";
    auto pair = [](const std::string& path) {
        return std::pair{withHash(file(path, 5, 3), "aaaaa"), withHash(file(path, 5, 9), "bbbbb")};
    };
    const SyncPolicy pol = twoWay();
    SECTION("two long names cut to one stem get two names")
    {
        const auto [l1, r1] = pair(v1);
        const auto [l2, r2] = pair(v2);
        Plan p = reconcile(snap({l1, l2}), snap({r1, r2}), baseState({}), pol);
        REQUIRE(p.actions.size() == 2);
        const std::string& n1 = p.actions[0].conflictName();
        const std::string& n2 = p.actions[1].conflictName();
        CHECK(n1 == conflictName(v1, pol.nowNs, pol.hostName));
        CHECK(n1 == conflictName(v2, pol.nowNs, pol.hostName)); // the clash the number resolves
        CHECK(n2 == conflictName(v2, pol.nowNs, pol.hostName, 255, 2));
        CHECK(n2.size() <= 255);
    }
    SECTION("a name already present on either side is not invented again")
    {
        const std::string taken1 = conflictName(v1, pol.nowNs, pol.hostName);
        const std::string taken2 = conflictName(v1, pol.nowNs, pol.hostName, 255, 2);
        const auto [l1, r1] = pair(v1);
        Plan p = reconcile(snap({l1, file(taken1, 1, 0)}), snap({r1, file(taken2, 1, 0)}), baseState({}), pol);
        const Action* c = nullptr;
        for (const Action& a : p.actions)
            if (a.op == Op::Conflict)
                c = &a;
        REQUIRE(c);
        CHECK(c->conflictName() == conflictName(v1, pol.nowNs, pol.hostName, 255, 3));
    }
}

TEST_CASE("a folder replaced by a file while the other side changed inside is a conflict", "[reconciler]")
{
    auto b = baseState({baseDir("d"), base("d/f", 3, 0)});
    auto l = snap({file("d", 5, 9)});                       // the folder became a file on the left
    auto r = snap({dir("d"), file("d/f", 7, 9)});           // the right edited d/f
    Plan p = reconcile(l, r, b, twoWay());
    INFO(show(p));
    REQUIRE_FALSE(p.actions.empty());
    CHECK(p.actions[0].op == Op::Conflict);
    CHECK(p.actions[0].rule == "folder-replaced-vs-changed");
    CHECK(p.actions[0].loser == Side::Left); // the folder keeps the name, the file is renamed
    // The right's edit inside the folder is kept: carried to the left, never deleted.
    expectPlan(p, {{Op::Conflict, Side::Right, "d", "folder-replaced-vs-changed"},
                   {Op::Copy, Side::Left, "d/f", "conflict-resolution"}});
    CHECK(p.deletions(Side::Right) == 0);
    // Nothing inside changed: the replacement is carried over.
    Plan q = reconcile(l, snap({dir("d"), file("d/f", 3, 0)}), b, twoWay());
    expectPlan(q, {{Op::Copy, Side::Right, "d", "left-changed"}, {Op::Delete, Side::Right, "d/f", "left-deleted"}});
}

TEST_CASE("compare by content in two-way: an edit that kept size and time is still an edit", "[reconciler]")
{
    SyncPolicy pol = twoWay();
    pol.compare = CompareMode::Content;
    auto b = baseState({baseWithHash(base("f", 4, 0), "aaaa")});
    Plan ask = reconcile(snap({file("f", 4, 0)}), snap({file("f", 4, 0)}), b, pol);
    CHECK(ask.needHashes.size() == 2);
    Plan p = reconcile(snap({withHash(file("f", 4, 0), "bbbb")}), snap({withHash(file("f", 4, 0), "aaaa")}), b, pol);
    expectPlan(p, {{Op::Copy, Side::Right, "f", "left-changed"}});
}

TEST_CASE("a conflict between NFC and NFD spellings keeps each side's own path", "[reconciler]")
{
    const std::string nfc = "caf\xC3\xA9.txt", nfd = "cafe\xCC\x81.txt";
    Plan p = reconcile(snap({file(nfd, 3, 0)}), snap({file(nfc, 5, 9)}), baseState({}), twoWay());
    REQUIRE(p.actions.size() == 1);
    CHECK(p.actions[0].op == Op::Conflict);
    CHECK(p.actions[0].path == nfc);           // the right's spelling
    CHECK(p.actions[0].sourcePath() == nfd);   // the left's spelling
}

TEST_CASE("a path with a file outside the size or age limits on either side is left alone", "[reconciler]")
{
    SyncPolicy pol = twoWay();
    pol.limits.maxSize = 100;
    pol.nowNs = kT0 + 1000 * kSec;
    // grew past the limit on the left: not a deletion there, not overwritten from the right
    // too big on the right only, never synced before: not copied
    // within the limits: carried as usual
    auto b = baseState({base("grew", 50, 0), base("gone-big", 500, 0), base("small", 10, 0)});
    auto l = snap({file("grew", 150, 5), file("new-big", 200, 0), file("small", 10, 0)});
    auto r = snap({file("grew", 50, 0), file("small", 12, 9), file("gone-big", 500, 0)});
    Plan p = reconcile(l, r, b, pol);
    expectPlan(p, {{Op::Copy, Side::Left, "small", "right-changed"}});

    SECTION("age limits count from the run's clock")
    {
        SyncPolicy aged = twoWay();
        aged.nowNs = kT0 + 1000 * kSec;
        aged.limits.maxAgeSeconds = 500; // only files changed in the last 500 s
        aged.limits.minAgeSeconds = 10;  // and not in the last 10 s (still being written)
        Plan q = reconcile(snap({file("old", 1, 0), file("recent", 1, 900), file("hot", 1, 995)}), snap({}),
                           baseState({}), aged);
        expectPlan(q, {{Op::Copy, Side::Right, "recent", "left-created"}});
    }
    SECTION("mirror does not delete a file outside the limits on the right")
    {
        SyncPolicy m;
        m.mode = SyncMode::Mirror;
        m.limits.maxSize = 100;
        Plan q = reconcile(snap({file("a", 1, 0)}), snap({file("a", 1, 0), file("big", 1000, 0), file("small", 5, 0)}),
                           baseState({}), m);
        expectPlan(q, {{Op::Delete, Side::Right, "small", "mirror-extra"}});
    }
    SECTION("against a folder on the other side the whole subtree is held")
    {
        auto l2 = snap({file("x", 1000, 0)});
        auto r2 = snap({dir("x"), file("x/inner", 1, 0)});
        Plan q = reconcile(l2, r2, baseState({baseDir("x"), base("x/inner", 1, 0)}), pol);
        expectPlan(q, {});
    }
}
