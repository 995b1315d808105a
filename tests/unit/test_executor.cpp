// The executor and SyncRun on real folders: safety re-checks, versioning,
// guards, cancellation.
#include "builders.h"
#include "common/tempname.h"
#include "common/timens.h"
#include "engine/executor.h"
#include "store/statestore.h"
#include "faultybackend.h"
#include "reportcheck.h"
#include "syncfixture.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mount.h>

using namespace ferry;
using namespace ferry::test;

TEST_CASE("a two-way sync converges and a second run plans nothing", "[executor]")
{
    SyncPair p;
    ::mkdir((p.left + "/d").c_str(), 0755);
    ::mkdir((p.left + "/empty").c_str(), 0755);
    writeFile(p.left + "/d/a.txt", "alpha");
    writeFile(p.right + "/b.txt", "beta");
    ::symlink("d/a.txt", (p.left + "/link").c_str());
    SyncReport r = p.sync();
    INFO(r.fatalMessage << guardText(r));
    REQUIRE(r.exit == ExitCode::InSync);
    CHECK(tree(p.left) == tree(p.right));
    CHECK(tree(p.left).at("link") == "l:d/a.txt");
    SyncReport again = p.sync();
    CHECK(again.exit == ExitCode::InSync);
    CHECK_FALSE(again.plan.hasWork());
}

TEST_CASE("the base learns content hashes while copying", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/a", "some bytes");
    REQUIRE(p.sync().exit == ExitCode::InSync);
    auto store = StateStore::open(p.state, true);
    REQUIRE(store.ok());
    auto base = (*store)->loadBase();
    REQUIRE(base.ok());
    REQUIRE(base->entries.size() == 1);
    CHECK(base->entries[0].hasHash);
    CHECK(base->entries[0].hash == hashBytes("some bytes"));
}

TEST_CASE("a target changed after the scan is left alone and reported", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/a", "v1", 1700000000);
    REQUIRE(p.sync().exit == ExitCode::InSync);
    writeFile(p.left + "/a", "v2 from left", 1700000100);
    {
        SyncRun run(std::make_unique<LocalBackend>(p.left), std::make_unique<LocalBackend>(p.right), p.options());
        REQUIRE(run.plan());
        REQUIRE(run.currentPlan().actions.size() == 1);
        // Someone edits the right copy between the scan and the copy.
        writeFile(p.right + "/a", "edited on right meanwhile", 1700000200);
        run.execute();
        const SyncReport& r = run.report();
        CHECK(r.exit == ExitCode::Errors);
        REQUIRE(r.execution.items.size() == 1);
        CHECK(r.execution.items[0].state == ItemResult::State::Failed);
        REQUIRE(r.execution.errorOf(0));
        CHECK(r.execution.errorOf(0)->kind == Error::Kind::SkipItem);
        CHECK(readFile(p.right + "/a") == "edited on right meanwhile");
    }
    // The next run sees a real conflict and keeps both.
    SyncReport next = p.sync();
    CHECK(next.exit == ExitCode::InSync);
    CHECK(tree(p.left) == tree(p.right));
    CHECK(tree(p.left).size() == 2);
}

TEST_CASE("a deleted file changed after the scan is not deleted", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/a", "keep me", 1700000000);
    REQUIRE(p.sync().exit == ExitCode::InSync);
    ::unlink((p.left + "/a").c_str());
    SyncRun run(std::make_unique<LocalBackend>(p.left), std::make_unique<LocalBackend>(p.right), [&] {
        auto o = p.options();
        o.forceDeletions = true;
        return o;
    }());
    REQUIRE(run.plan());
    writeFile(p.right + "/a", "keep me, edited", 1700000300);
    run.execute();
    CHECK(run.report().exit == ExitCode::Errors);
    CHECK(readFile(p.right + "/a") == "keep me, edited");
}

TEST_CASE("replaced and deleted files go to versioning", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/edit.txt", "old", 1700000000);
    writeFile(p.left + "/gone.txt", "deleted content", 1700000000);
    writeFile(p.left + "/stay1", "1");
    writeFile(p.left + "/stay2", "2");
    REQUIRE(p.sync().exit == ExitCode::InSync);
    writeFile(p.left + "/edit.txt", "new!", 1700000500);
    ::unlink((p.left + "/gone.txt").c_str());
    auto o = p.options();
    o.versioning = folderVersioning(p.versions);
    SyncReport r = p.sync(o);
    REQUIRE(r.exit == ExitCode::InSync);
    CHECK(readFile(p.right + "/edit.txt") == "new!");
    CHECK_FALSE(exists(p.right + "/gone.txt"));
    Versioner v(o.versioning, o.nowNs);
    LocalBackend store(p.versions);
    auto edits = v.versionsOf(store, "edit.txt");
    auto gone = v.versionsOf(store, "gone.txt");
    REQUIRE(edits.size() == 1);
    REQUIRE(gone.size() == 1);
    CHECK(readFile(edits[0].file) == "old");
    CHECK(readFile(gone[0].file) == "deleted content");
}

TEST_CASE("guards: an emptied side, a missing root, a mass deletion", "[executor]")
{
    SyncPair p;
    for (int i = 0; i < 10; ++i)
        writeFile(p.left + "/f" + std::to_string(i), "x" + std::to_string(i));
    REQUIRE(p.sync().exit == ExitCode::InSync);
    const auto before = tree(p.left);

    SECTION("an emptied side stops the run and changes nothing")
    {
        for (int i = 0; i < 10; ++i)
            ::unlink((p.right + "/f" + std::to_string(i)).c_str());
        SyncReport r = p.sync();
        CHECK(r.exit == ExitCode::Guard);
        CHECK_FALSE(guardText(r).empty());
        REQUIRE(r.stop);
        CHECK(r.stop->kind == StopKind::EmptiedSide);
        CHECK(r.stop->side == Side::Right);
        CHECK(r.stop->held == 10);
        CHECK(r.stop->kept == 0);
        CHECK(r.stop->wouldDelete == 10);
        CHECK(r.stop->location == p.right);
        CHECK(tree(p.left) == before);
    }
    SECTION("a missing root stops the run")
    {
        for (int i = 0; i < 10; ++i)
            ::unlink((p.right + "/f" + std::to_string(i)).c_str());
        ::rmdir(p.right.c_str());
        SyncReport r = p.sync();
        CHECK(r.exit == ExitCode::Guard);
        REQUIRE(r.stop);
        CHECK(r.stop->kind == StopKind::SideMissing);
        CHECK(r.stop->side == Side::Right);
        CHECK(r.stop->location == p.right);
        CHECK(tree(p.left) == before);
        CHECK_FALSE(exists(p.right));
    }
    SECTION("deleting more than half of a side needs confirmation")
    {
        for (int i = 0; i < 6; ++i)
            ::unlink((p.right + "/f" + std::to_string(i)).c_str());
        SyncReport r = p.sync();
        CHECK(r.exit == ExitCode::Guard);
        REQUIRE(r.stop);
        CHECK(r.stop->kind == StopKind::MassDeletion);
        CHECK(r.stop->side == Side::Left);
        CHECK(r.stop->deletes == 6);
        CHECK(r.stop->total == 10);
        CHECK(r.stop->percentLimit == 50);
        CHECK(tree(p.left) == before);
        auto o = p.options();
        o.forceDeletions = true;
        CHECK(p.sync(o).exit == ExitCode::InSync);
        CHECK(tree(p.left).size() == 4);
    }
    SECTION("a re-created root is not the folder synced last time")
    {
        std::string moved = p.dir / "R.old";
        ::rename(p.right.c_str(), moved.c_str());
        ::mkdir(p.right.c_str(), 0755);
        for (int i = 0; i < 10; ++i)
            writeFile(p.right + "/f" + std::to_string(i), "x" + std::to_string(i));
        SyncReport r = p.sync();
        CHECK(r.exit == ExitCode::Guard);
        REQUIRE(r.stop);
        CHECK(r.stop->kind == StopKind::RootChanged);
        CHECK(r.stop->side == Side::Right);
        auto o = p.options();
        o.acceptNewRoot = true;
        CHECK(p.sync(o).exit == ExitCode::InSync);
    }
}

namespace {
// Deletes every file and link below `root`, keeping the folders (an
// emptied drive, a formatted card).
void removeFilesBelow(const std::string& root)
{
    for (const auto& [path, what] : tree(root))
        if (what != "d")
            ::unlink((root + "/" + path).c_str());
}
} // namespace

TEST_CASE("a side that lost nearly everything stops the run in every mode", "[executor][guard]")
{
    SyncPair p;
    for (int i = 0; i < 30; ++i)
        writeFile(p.left + "/f" + std::to_string(i), "x" + std::to_string(i));
    ::mkdir((p.left + "/sub").c_str(), 0755);
    writeFile(p.left + "/sub/g", "g");

    SECTION("two-way: an emptied side with a stray .DS_Store, desktop.ini and lost+found")
    {
        REQUIRE(p.sync().exit == ExitCode::InSync);
        const auto before = tree(p.left);
        removeFilesBelow(p.right);
        writeFile(p.right + "/.DS_Store", "mac");
        writeFile(p.right + "/desktop.ini", "win");
        ::mkdir((p.right + "/lost+found").c_str(), 0700);
        auto o = p.options();
        o.maxDeletePercent = 100;
        SyncReport r = p.sync(o);
        CHECK(r.exit == ExitCode::Guard);
        CHECK(guardText(r).find("right folder") != std::string::npos);
        CHECK(tree(p.left) == before);
        o.forceDeletions = true;
        CHECK(p.sync(o).exit == ExitCode::InSync);
        CHECK_FALSE(exists(p.left + "/f0"));
    }
    SECTION("two-way: a side left with one file of thirty-one")
    {
        REQUIRE(p.sync().exit == ExitCode::InSync);
        const auto before = tree(p.right);
        for (int i = 1; i < 30; ++i)
            ::unlink((p.left + "/f" + std::to_string(i)).c_str());
        ::unlink((p.left + "/sub/g").c_str());
        auto o = p.options();
        o.maxDeletePercent = 100;
        SyncReport r = p.sync(o);
        CHECK(r.exit == ExitCode::Guard);
        CHECK(guardText(r).find("holds only 1 of the 31") != std::string::npos);
        REQUIRE(r.stop);
        CHECK(r.stop->kind == StopKind::EmptiedSide);
        CHECK(r.stop->side == Side::Left);
        CHECK(r.stop->held == 31);
        CHECK(r.stop->kept == 1);
        CHECK(r.stop->wouldDelete == 30);
        CHECK(tree(p.right) == before);
    }
    SECTION("two-way: an emptied side refilled with new files still stops (a card formatted and filled again)")
    {
        REQUIRE(p.sync().exit == ExitCode::InSync);
        const auto before = tree(p.right);
        removeFilesBelow(p.left);
        for (int i = 0; i < 11; ++i)
            writeFile(p.left + "/new" + std::to_string(i), "n" + std::to_string(i));
        auto o = p.options();
        o.maxDeletePercent = 100;
        SyncReport r = p.sync(o);
        CHECK(r.exit == ExitCode::Guard);
        CHECK(guardText(r).find("holds none of the 31 files") != std::string::npos);
        REQUIRE(r.stop);
        CHECK(r.stop->kind == StopKind::EmptiedSide);
        CHECK(r.stop->side == Side::Left);
        CHECK(r.stop->held == 31);
        CHECK(r.stop->kept == 0);
        CHECK(tree(p.right) == before);
    }
    SECTION("two-way: files deleted on both sides are no emptied side")
    {
        REQUIRE(p.sync().exit == ExitCode::InSync);
        for (int i = 1; i < 30; ++i) {
            ::unlink((p.left + "/f" + std::to_string(i)).c_str());
            ::unlink((p.right + "/f" + std::to_string(i)).c_str());
        }
        SyncReport r = p.sync();
        CHECK(r.exit == ExitCode::InSync);
        CHECK(exists(p.right + "/f0"));
        CHECK(exists(p.left + "/sub/g"));
    }
    SECTION("a dry run shows the plan of an emptied side with a warning and changes nothing")
    {
        REQUIRE(p.sync().exit == ExitCode::InSync);
        const auto before = tree(p.left);
        removeFilesBelow(p.right);
        auto o = p.options();
        o.dryRun = true;
        SyncReport r = p.sync(o);
        CHECK(r.exit == ExitCode::InSync);
        REQUIRE(r.warnings.size() >= 1);
        CHECK(r.warnings.front().find("a real run would stop here") != std::string::npos);
        CHECK(r.plan.deletions(Side::Left) == 31);
        CHECK(tree(p.left) == before);
    }
    SECTION("two-way: a folder renamed with everything in it is no emptied side")
    {
        ::mkdir((p.left + "/all").c_str(), 0755);
        for (int i = 0; i < 30; ++i)
            ::rename((p.left + "/f" + std::to_string(i)).c_str(), (p.left + "/all/f" + std::to_string(i)).c_str());
        REQUIRE(p.sync().exit == ExitCode::InSync);
        ::rename((p.left + "/all").c_str(), (p.left + "/everything").c_str());
        CHECK(p.sync().exit == ExitCode::InSync);
        CHECK(exists(p.right + "/everything/f7"));
    }
    SECTION("mirror: an emptied source never wipes the copy, whatever the deletion limit")
    {
        REQUIRE(p.sync(p.options(SyncMode::Mirror)).exit == ExitCode::InSync);
        const auto before = tree(p.right);
        removeFilesBelow(p.left);
        writeFile(p.left + "/Thumbs.db", "thumbs");
        auto o = p.options(SyncMode::Mirror);
        o.maxDeletePercent = 100;
        SyncReport r = p.sync(o);
        CHECK(r.exit == ExitCode::Guard);
        CHECK(guardText(r).find("the source") != std::string::npos);
        REQUIRE(r.stop);
        CHECK(r.stop->kind == StopKind::EmptiedSource);
        CHECK(r.stop->side == Side::Left);
        CHECK(r.stop->mode == SyncMode::Mirror);
        CHECK(r.stop->held == 31);
        CHECK(r.stop->kept == 0);
        CHECK(r.stop->wouldDelete == 31);
        CHECK(tree(p.right) == before);
        o.forceDeletions = true;
        CHECK(p.sync(o).exit == ExitCode::InSync);
        CHECK_FALSE(exists(p.right + "/f0"));
    }
    SECTION("mirror: a source whose files were all replaced by new ones stops; one stale target file does not")
    {
        REQUIRE(p.sync(p.options(SyncMode::Mirror)).exit == ExitCode::InSync);
        const auto before = tree(p.right);
        removeFilesBelow(p.left);
        for (int i = 0; i < 11; ++i)
            writeFile(p.left + "/new" + std::to_string(i), "n" + std::to_string(i));
        auto o = p.options(SyncMode::Mirror);
        o.maxDeletePercent = 100;
        SyncReport r = p.sync(o);
        CHECK(r.exit == ExitCode::Guard);
        CHECK(tree(p.right) == before);

        SyncPair fresh;
        writeFile(fresh.left + "/a", "a");
        writeFile(fresh.left + "/b", "b");
        writeFile(fresh.right + "/stale", "s");
        auto f = fresh.options(SyncMode::Mirror);
        f.maxDeletePercent = 100;
        CHECK(fresh.sync(f).exit == ExitCode::InSync);
        CHECK_FALSE(exists(fresh.right + "/stale"));
    }
    SECTION("update: an empty source stops; a source with a few new files does not")
    {
        REQUIRE(p.sync(p.options(SyncMode::Update)).exit == ExitCode::InSync);
        removeFilesBelow(p.left);
        SyncReport r = p.sync(p.options(SyncMode::Update));
        CHECK(r.exit == ExitCode::Guard);
        REQUIRE(r.stop);
        CHECK(r.stop->kind == StopKind::EmptySource);
        CHECK(r.stop->held == 31);
        CHECK(r.stop->wouldDelete == 0);
        writeFile(p.left + "/new-photo", "n");
        CHECK(p.sync(p.options(SyncMode::Update)).exit == ExitCode::InSync);
        CHECK(readFile(p.right + "/new-photo") == "n");
        CHECK(exists(p.right + "/f3"));
    }
}

TEST_CASE("a root folder made again with the same inode is not the folder synced last time", "[executor][guard]")
{
    SyncPair p;
    for (int i = 0; i < 5; ++i)
        writeFile(p.left + "/f" + std::to_string(i), "x" + std::to_string(i));
    REQUIRE(p.sync().exit == ExitCode::InSync);
    struct stat before{};
    REQUIRE(::stat(p.right.c_str(), &before) == 0);
    // Empty the right and make it again at once: ext4 hands the same inode
    // back (tried a few times; other file systems may not).
    bool sameInode = false;
    for (int attempt = 0; attempt < 20 && !sameInode; ++attempt) {
        for (int i = 0; i < 5; ++i)
            ::unlink((p.right + "/f" + std::to_string(i)).c_str());
        REQUIRE(::rmdir(p.right.c_str()) == 0);
        REQUIRE(::mkdir(p.right.c_str(), 0755) == 0);
        struct stat now{};
        REQUIRE(::stat(p.right.c_str(), &now) == 0);
        sameInode = now.st_ino == before.st_ino && now.st_dev == before.st_dev;
    }
    if (!sameInode)
        WARN("the file system gave the new folder another inode: the birth-time check is not exercised");
    // The new folder holds the same files again, so only its identity tells it apart.
    for (int i = 0; i < 5; ++i)
        writeFile(p.right + "/f" + std::to_string(i), "x" + std::to_string(i));
    ::unlink((p.left + "/f4").c_str());
    SyncReport r = p.sync();
    CHECK(r.exit == ExitCode::Guard);
    CHECK(guardText(r).find("not the folder synced last time") != std::string::npos);
    REQUIRE(r.stop);
    CHECK(r.stop->kind == StopKind::RootChanged);
    CHECK(r.stop->side == Side::Right);
    CHECK(exists(p.right + "/f4"));
}

TEST_CASE("a root's identity reads back from its recorded text, the older form too", "[executor][guard]")
{
    RootIdentity id{2049, 77, 1764000000123456789, 3141592653u, true};
    auto back = RootIdentity::fromText(id.text());
    REQUIRE(back);
    CHECK(*back == id);
    auto old = RootIdentity::fromText("2049:77");
    REQUIRE(old);
    CHECK(id.sameFolderAs(*old));
    RootIdentity reborn = id;
    reborn.birthNs += 4000; // same inode, born 4 µs later
    CHECK_FALSE(reborn.sameFolderAs(id));
    RootIdentity regenerated = id;
    regenerated.generation += 1;
    CHECK_FALSE(regenerated.sameFolderAs(id));
    CHECK_FALSE(RootIdentity::fromText("2049:x"));
    CHECK_FALSE(RootIdentity::fromText(""));
    CHECK_FALSE(RootIdentity::fromText("1:2:3"));
}

TEST_CASE("a dry run changes nothing, not even the state", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/a", "1");
    auto o = p.options();
    o.dryRun = true;
    SyncReport r = p.sync(o);
    CHECK(r.exit == ExitCode::InSync);
    CHECK(r.plan.actions.size() == 1);
    CHECK_FALSE(exists(p.right + "/a"));
    CHECK_FALSE(exists(p.state));
}

TEST_CASE("a cancelled run stops between items and leaves no temporary files", "[executor]")
{
    SyncPair p;
    for (int i = 0; i < 200; ++i)
        writeFile(p.left + "/f" + std::to_string(i), std::string(1000, char('a' + i % 26)));
    for (int i = 0; i < 50; ++i)
        ::mkdir((p.left + "/e" + std::to_string(i)).c_str(), 0755);
    auto o = p.options();
    o.threads = 1; // progress is then reported after each item
    {
        SyncRun run(std::make_unique<LocalBackend>(p.left), std::make_unique<LocalBackend>(p.right), o);
        REQUIRE(run.plan());
        CancelToken token = run.cancelToken();
        int calls = 0;
        run.execute([&](const Progress&) {
            if (++calls == 1)
                token.cancel();
        });
        CHECK(run.report().exit == ExitCode::Errors);
        CHECK(run.report().execution.cancelled);
    }
    // Stopped between items: nothing after the first item was done. (Each copy
    // also stops itself on the token; the folders have no copy loop to do that.)
    CHECK(tree(p.right).size() <= 2);
    const auto left = tree(p.left);
    for (auto& [path, content] : tree(p.right)) {
        CHECK(path.find(".ferry-tmp-") == std::string::npos);
        CHECK(content == left.at(path)); // whatever arrived is complete
    }
    // A re-run finishes the job.
    CHECK(p.sync().exit == ExitCode::InSync);
    CHECK(tree(p.left) == tree(p.right));
}

TEST_CASE("stale temporary files from a crashed run are cleaned up", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/a", "1");
    ::mkdir((p.left + "/d").c_str(), 0755);
    const std::string leftover = tempname::make(); // made by this installation
    const std::string nested = tempname::make();
    writeFile(p.right + "/" + leftover, "half-written");
    writeFile(p.left + "/d/" + nested, "half-written too");
    REQUIRE(p.sync().exit == ExitCode::InSync);
    CHECK_FALSE(exists(p.right + "/" + leftover));
    CHECK_FALSE(exists(p.left + "/d/" + nested));
    CHECK(tree(p.left) == tree(p.right));
}

TEST_CASE("user files and folders named like temporary files are synced in every mode", "[executor]")
{
    const std::string lookalike = ".ferry-tmp-abcdefghijklmnop";
    for (SyncMode mode : {SyncMode::TwoWay, SyncMode::Mirror}) {
        DYNAMIC_SECTION("mode " << int(mode))
        {
            SyncPair p;
            ::mkdir((p.left + "/d").c_str(), 0755);
            writeFile(p.left + "/" + lookalike, "left's own file");
            writeFile(p.left + "/d/" + lookalike, "deeper");
            ::mkdir((p.left + "/.ferry-tmp-0123456789abcdef").c_str(), 0755);
            writeFile(p.left + "/.ferry-tmp-0123456789abcdef/inside", "in a folder named like a temporary");
            if (mode == SyncMode::TwoWay)
                writeFile(p.right + "/.ferry-tmp-zzzzzzzzzzzzzzzz", "right's own file");
            SyncReport r = p.sync(p.options(mode));
            INFO(r.fatalMessage << guardText(r));
            REQUIRE(r.exit == ExitCode::InSync);
            CHECK(readFile(p.left + "/" + lookalike) == "left's own file"); // the source keeps it
            CHECK(readFile(p.right + "/" + lookalike) == "left's own file");
            CHECK(readFile(p.right + "/d/" + lookalike) == "deeper");
            CHECK(readFile(p.right + "/.ferry-tmp-0123456789abcdef/inside") == "in a folder named like a temporary");
            if (mode == SyncMode::TwoWay)
                CHECK(readFile(p.left + "/.ferry-tmp-zzzzzzzzzzzzzzzz") == "right's own file");
            CHECK(tree(p.left) == tree(p.right));
            SyncReport again = p.sync(p.options(mode));
            CHECK(again.exit == ExitCode::InSync);
            CHECK_FALSE(again.plan.hasWork());
            CHECK(tree(p.left) == tree(p.right));
        }
    }
}

TEST_CASE("a temporary file another run is still writing is not cleaned up", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/a", "1");
    LocalBackend other(p.right); // another job's run, writing into the same folder
    auto live = other.createTemp("");
    REQUIRE(live.ok());
    REQUIRE((*live)->write("in progress", 11).ok());
    const std::string name = (*live)->tempPath();
    REQUIRE(p.sync().exit == ExitCode::InSync);
    CHECK(exists(p.right + "/" + name));
    CHECK(readFile(p.right + "/a") == "1");
    live->reset(); // that run drops its temporary
    CHECK_FALSE(exists(p.right + "/" + name));
}

TEST_CASE("nothing is written through a folder that became a symlink", "[executor]")
{
    SyncPair p;
    std::string outside = p.dir / "outside";
    ::mkdir(outside.c_str(), 0755);
    ::mkdir((p.left + "/d").c_str(), 0755);
    writeFile(p.left + "/d/f", "v1", 1700000000);
    REQUIRE(p.sync().exit == ExitCode::InSync);
    // The right's folder is replaced by a symlink to a folder outside the root.
    ::unlink((p.right + "/d/f").c_str());
    ::rmdir((p.right + "/d").c_str());
    ::symlink(outside.c_str(), (p.right + "/d").c_str());
    writeFile(p.left + "/d/f", "edited on the left", 1700000100);
    SyncReport r = p.sync();
    CHECK(tree(outside).empty());
    CHECK(readFile(p.left + "/d/f") == "edited on the left");
    SyncReport again = p.sync();
    CHECK(tree(outside).empty());
    CHECK(readFile(p.left + "/d/f") == "edited on the left");
    CHECK(tree(p.left) == tree(p.right));
    (void)r;
    (void)again;
}

TEST_CASE("a user file named like a temporary file is synced, not deleted", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/.ferry-tmp-notes.txt", "mine");
    REQUIRE(p.sync().exit == ExitCode::InSync);
    CHECK(readFile(p.left + "/.ferry-tmp-notes.txt") == "mine");
    CHECK(readFile(p.right + "/.ferry-tmp-notes.txt") == "mine");
}

TEST_CASE("a dry run that a guard would stop still shows its plan and exits 0", "[executor]")
{
    SyncPair p;
    for (int i = 0; i < 4; ++i)
        writeFile(p.left + "/f" + std::to_string(i), "x");
    REQUIRE(p.sync().exit == ExitCode::InSync);
    for (int i = 0; i < 3; ++i)
        ::unlink((p.left + "/f" + std::to_string(i)).c_str());
    auto o = p.options();
    o.dryRun = true;
    SyncReport r = p.sync(o);
    CHECK(r.exit == ExitCode::InSync);
    CHECK(r.plan.deletions(Side::Right) == 3);
    CHECK(r.warnings.size() == 1);
    CHECK(tree(p.right).size() == 4);
    o.dryRun = false;
    CHECK(p.sync(o).exit == ExitCode::Guard);
}

TEST_CASE("a second run of the same pair at the same time is refused", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/a", "1");
    SyncRun first(std::make_unique<LocalBackend>(p.left), std::make_unique<LocalBackend>(p.right), p.options());
    REQUIRE(first.plan()); // holds the pair's lock until it is destroyed
    SyncReport second = p.sync();
    CHECK(second.exit == ExitCode::Usage);
    CHECK(second.fatalMessage.find("in progress") != std::string::npos);
    first.execute();
    CHECK(first.report().exit == ExitCode::InSync);
}

TEST_CASE("versioning never follows a folder that became a symlink out of the root", "[executor][versions]")
{
    for (auto mode : {VersioningSettings::Mode::Folder, VersioningSettings::Mode::Trash}) {
        SyncPair p;
        ::mkdir((p.left + "/d").c_str(), 0755);
        writeFile(p.left + "/d/f", "v1", 1700000000);
        auto o = p.options(SyncMode::Mirror);
        o.versioning.mode = mode;
        o.versioning.folder = p.versions;
        REQUIRE(p.sync(o).exit == ExitCode::InSync);
        // The left's file is edited; after the scan, the right's folder
        // becomes a link to a folder outside the root that holds a file of
        // the same name, size and time.
        writeFile(p.left + "/d/f", "v2", 1700000100);
        qputenv("XDG_DATA_HOME", QByteArray::fromStdString(p.dir / "data"));
        SyncRun run(std::make_unique<LocalBackend>(p.left), std::make_unique<LocalBackend>(p.right), o);
        REQUIRE(run.plan());
        const std::string outside = p.dir / "outside";
        ::mkdir(outside.c_str(), 0755);
        ::rename((p.right + "/d/f").c_str(), (outside + "/f").c_str());
        ::rmdir((p.right + "/d").c_str());
        REQUIRE(::symlink(outside.c_str(), (p.right + "/d").c_str()) == 0);
        run.execute();
        qunsetenv("XDG_DATA_HOME");
        CHECK(readFile(outside + "/f") == "v1"); // neither moved into versioning nor replaced
    }
}

TEST_CASE("the trash takes a name too long for its info file, shortened, instead of retrying forever", "[executor]")
{
    SyncPair p;
    const std::string longName(250, 'n');
    writeFile(p.left + "/" + longName, "x");
    writeFile(p.left + "/keep1", "1");
    writeFile(p.left + "/keep2", "2");
    REQUIRE(p.sync().exit == ExitCode::InSync);
    ::unlink((p.left + "/" + longName).c_str());
    qputenv("XDG_DATA_HOME", QByteArray::fromStdString(p.dir / "data"));
    auto o = p.options();
    o.versioning.mode = VersioningSettings::Mode::Trash;
    SyncReport r = p.sync(o);
    qunsetenv("XDG_DATA_HOME");
    // "<name>.trashinfo" is longer than a file name may be: the trash keeps
    // the file under a shorter name, and its info file the original path.
    CHECK(r.exit == ExitCode::InSync);
    CHECK_FALSE(exists(p.right + "/" + longName));
    const std::string shortName(245, 'n');
    CHECK(readFile(p.dir / ("data/Trash/files/" + shortName)) == "x");
    CHECK(readFile(p.dir / ("data/Trash/info/" + shortName + ".trashinfo")).find("Path=" + p.right + "/" + longName) !=
          std::string::npos);
}

TEST_CASE("copies get the source's exact permission bits, whatever the umask", "[executor]")
{
    // The temporary is created with the final mode where it can be; the
    // umask, the owner's missing write bit, write bits for group or others
    // and setuid/setgid need a chmod at commit.
    struct UmaskGuard {
        mode_t old = ::umask(027);
        ~UmaskGuard() { ::umask(old); }
    } umaskGuard;
    SyncPair p;
    const std::vector<mode_t> modes = {0644, 0600, 0664, 0666, 0444, 0755, 0640, 0700, 02755, 04755};
    for (mode_t m : modes) {
        const std::string name = p.left + "/m" + std::to_string(m);
        writeFile(name, "mode " + std::to_string(m));
        REQUIRE(::chmod(name.c_str(), m) == 0);
    }
    writeFile(p.right + "/replaced", "old right");
    writeFile(p.left + "/replaced", "new left, read-only", 1800000000);
    REQUIRE(::chmod((p.left + "/replaced").c_str(), 0444) == 0);
    SyncReport r = p.sync();
    INFO(r.fatalMessage << guardText(r));
    REQUIRE(r.exit == ExitCode::InSync);
    auto modeOf = [](const std::string& path) {
        struct stat st {};
        REQUIRE(::lstat(path.c_str(), &st) == 0);
        return st.st_mode & 07777;
    };
    for (mode_t m : modes) {
        INFO("mode " << std::oct << m);
        CHECK(modeOf(p.right + "/m" + std::to_string(m)) == m);
        CHECK(readFile(p.right + "/m" + std::to_string(m)) == "mode " + std::to_string(m));
    }
    CHECK(modeOf(p.right + "/replaced") == 0444);
    CHECK(readFile(p.right + "/replaced") == "new left, read-only");
}

namespace {
// A mirror from the left folder to a right side with faults.
SyncReport mirrorInto(const SyncPair& p, Faults faults)
{
    SyncOptions o = p.options(SyncMode::Mirror);
    o.statePath.clear();
    o.threads = 1;
    SyncRun run(std::make_unique<LocalBackend>(p.left), std::make_unique<FaultyBackend>(p.right, faults), o);
    return run.run();
}
} // namespace

TEST_CASE("a copy that fails part-way counts none of its bytes as copied", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/big.bin", std::string(3 << 20, 'x')); // copied in 1 MiB chunks
    Faults faults;
    faults.failWritesAfterBytes = 3 << 19; // the first chunk is written, the second fails
    SyncReport r = mirrorInto(p, faults);
    CHECK(r.exit == ExitCode::Errors);
    REQUIRE(r.execution.items.size() == 1);
    CHECK(r.execution.items[0].state == ItemResult::State::Failed);
    CHECK(r.execution.bytesCopied == 0);
    CHECK_FALSE(exists(p.right + "/big.bin"));
}

TEST_CASE("a copy whose temporary file cannot be created names the file, not its folder", "[executor]")
{
    SyncPair p;
    writeFile(p.left + "/a.txt", "alpha");
    Faults faults;
    faults.failCreateTemp = true;
    SyncReport r = mirrorInto(p, faults);
    REQUIRE(r.execution.items.size() == 1);
    REQUIRE(r.execution.items[0].state == ItemResult::State::Failed);
    CHECK(r.execution.errorOf(0)->path == "a.txt");
    REQUIRE_FALSE(r.errors.empty());
    CHECK(r.errors.front().path == "a.txt");
}

TEST_CASE("a full versions drive names the versions folder and the file, and items left not run say why", "[executor]")
{
    SyncPair p;
    // A real full drive: a tiny tmpfs (needs root); the versions go there
    // across file systems, as onto an external disk.
    ::mkdir(p.versions.c_str(), 0755);
    if (::mount("tmpfs", p.versions.c_str(), "tmpfs", 0, "size=64k") != 0) {
        WARN("skipped: cannot mount a tmpfs here (" << std::strerror(errno) << ")");
        return;
    }
    struct Unmount {
        std::string dir;
        ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
    } unmount{p.versions};
    for (const char* name : {"b1.bin", "b2.bin"}) {
        writeFile(p.left + "/" + name, "new " + std::string(1000, 'n'));
        writeFile(p.right + "/" + name, std::string(200 << 10, 'o')); // bigger than the versions drive
    }
    SyncOptions o = p.options(SyncMode::Mirror);
    o.statePath.clear();
    o.threads = 1;
    o.versioning = folderVersioning(p.versions, 0, 0, "job-x");
    SyncReport r = p.sync(o);
    REQUIRE(r.executed);
    CHECK(r.execution.aborted);
    REQUIRE(r.execution.items.size() == 2);
    int failed = 0, notRun = 0;
    for (size_t i = 0; i < 2; ++i) {
        const Error* e = r.execution.errorOf(i);
        REQUIRE(e != nullptr); // each item says what happened to it
        const std::string m = e->message();
        INFO(m);
        if (r.execution.items[i].state == ItemResult::State::Failed) {
            ++failed;
            CHECK(e->path == r.plan.actions[i].path);
            CHECK(m.find(p.versions) != std::string::npos);
            CHECK(m.find(".ferry-tmp") == std::string::npos);
            CHECK(m.find("target drive") == std::string::npos);
        } else {
            ++notRun;
            CHECK(r.execution.items[i].state == ItemResult::State::NotRun);
            CHECK(m.find("stopped") != std::string::npos);
        }
    }
    CHECK(failed == 1);
    CHECK(notRun == 1);
    CHECK(readFile(p.right + "/b1.bin") == std::string(200 << 10, 'o')); // left as they were
    CHECK(readFile(p.right + "/b2.bin") == std::string(200 << 10, 'o'));
}

TEST_CASE("a file dated after 2262 syncs with a clamped time and a second run plans nothing", "[executor]")
{
    SyncPair p;
    const std::string src = p.left + "/future.txt";
    writeFile(src, "from a broken clock");
    const struct timespec year2500[2] = {{16725225600, 0}, {16725225600, 0}}; // 2500-01-01
    REQUIRE(::utimensat(AT_FDCWD, src.c_str(), year2500, 0) == 0);
    SyncReport r = p.sync();
    INFO(r.fatalMessage << guardText(r));
    REQUIRE(r.exit == ExitCode::InSync);
    REQUIRE(r.plan.actions.size() == 1);
    CHECK(r.plan.actions[0].left->mtimeNs == kMaxTimeNs); // not wrapped to 1715 or 1861
    struct stat st {};
    REQUIRE(::lstat((p.right + "/future.txt").c_str(), &st) == 0);
    CHECK(st.st_mtim.tv_sec == 9223372036); // 2262-04-11, the end of the range, not 1901
    CHECK(st.st_mtim.tv_nsec == 854775807);
    CHECK(readFile(p.right + "/future.txt") == "from a broken clock");
    SyncReport again = p.sync();
    CHECK(again.exit == ExitCode::InSync);
    CHECK_FALSE(again.plan.hasWork());
}

TEST_CASE("copies stop landing in a folder that became a symlink during the run", "[executor]")
{
    SyncPair p;
    const std::string outside = p.dir / "outside";
    ::mkdir(outside.c_str(), 0755);
    ::mkdir((p.left + "/d").c_str(), 0755);
    ::mkdir((p.right + "/d").c_str(), 0755);
    REQUIRE(p.sync().exit == ExitCode::InSync);
    for (int i = 0; i < 6; ++i)
        writeFile(p.left + "/d/f" + std::to_string(i), "file " + std::to_string(i));
    auto o = p.options();
    o.threads = 1; // progress is then reported after each item
    SyncRun run(std::make_unique<LocalBackend>(p.left), std::make_unique<LocalBackend>(p.right), o);
    REQUIRE(run.plan());
    REQUIRE(run.currentPlan().actions.size() == 6);
    bool swapped = false;
    run.execute([&](const Progress& pr) {
        if (swapped || pr.itemsDone == 0)
            return;
        // After the first copy the right's folder is moved away and a symlink
        // to a folder outside the root takes its place.
        REQUIRE(::rename((p.right + "/d").c_str(), (p.dir / "moved").c_str()) == 0);
        REQUIRE(::symlink(outside.c_str(), (p.right + "/d").c_str()) == 0);
        swapped = true;
    });
    REQUIRE(swapped);
    CHECK(tree(outside).empty());
    CHECK(run.report().exit == ExitCode::Errors);
    CHECK(run.report().execution.failures() == 5);
    CHECK(tree(p.dir / "moved").size() == 1); // only the copy made before the swap
}

namespace {

// A LocalBackend whose reads of one file rewrite that file in place after
// the first chunk and put its modification time back, as disk-image and VM
// tools do: a copy made meanwhile is half old, half new bytes.
class RewritingBackend final : public LocalForwardingBackend {
public:
    RewritingBackend(std::string root, std::string victim)
        : LocalForwardingBackend(root), m_root(root), m_victim(std::move(victim))
    {
    }
    Result<std::unique_ptr<Backend>> connect(const CallContext&) const override
    {
        return std::unique_ptr<Backend>(std::make_unique<RewritingBackend>(m_root, m_victim));
    }
    Result<std::unique_ptr<ReadStream>> openRead(const std::string& p) override
    {
        auto in = m_local.openRead(p);
        if (!in || p != m_victim)
            return in;
        return std::unique_ptr<ReadStream>(std::make_unique<Stream>(std::move(*in), m_root + "/" + p));
    }

private:
    class Stream final : public ReadStream {
    public:
        Stream(std::unique_ptr<ReadStream> in, std::string abs) : m_in(std::move(in)), m_abs(std::move(abs)) {}
        Result<size_t> read(char* buf, size_t len) override
        {
            auto n = m_in->read(buf, std::min<size_t>(len, 64 * 1024));
            if (n && !m_rewritten) {
                m_rewritten = true;
                struct stat st {};
                REQUIRE(::stat(m_abs.c_str(), &st) == 0);
                int fd = ::open(m_abs.c_str(), O_WRONLY);
                REQUIRE(fd >= 0);
                const std::string fresh(size_t(st.st_size), 'N');
                REQUIRE(::pwrite(fd, fresh.data(), fresh.size(), 0) == ssize_t(fresh.size()));
                const struct timespec times[2] = {st.st_atim, st.st_mtim};
                REQUIRE(::futimens(fd, times) == 0);
                ::close(fd);
            }
            return n;
        }
        std::optional<Entry> statOpen() const override { return m_in->statOpen(); }
        // No descriptor: the copy goes through read(), where the rewrite happens.

    private:
        std::unique_ptr<ReadStream> m_in;
        std::string m_abs;
        bool m_rewritten = false;
    };

    std::string m_root;
    std::string m_victim;
};

} // namespace

TEST_CASE("a file rewritten in place during its copy with its time put back is not copied", "[executor]")
{
    for (bool big : {false, true}) { // through the hashing buffer, and the stream copy
        DYNAMIC_SECTION((big ? "a file above the hash limit" : "a file below the hash limit"))
        {
            SyncPair p;
            // Above the executor's hash limit (16 MiB) the copy takes copyStream's path.
            writeFile(p.left + "/disk.img", std::string(big ? (17 << 20) : (256 << 10), 'O'), 1700000000);
            writeFile(p.right + "/disk.img", "old target", 1600000000);
            auto o = p.options();
            o.mode = SyncMode::Mirror;
            SyncRun run(std::make_unique<RewritingBackend>(p.left, "disk.img"), std::make_unique<LocalBackend>(p.right),
                        o);
            REQUIRE(run.plan());
            REQUIRE(run.currentPlan().actions.size() == 1);
            run.execute();
            const SyncReport& r = run.report();
            CHECK(r.exit == ExitCode::Errors);
            REQUIRE(r.execution.items.size() == 1);
            CHECK(r.execution.items[0].state == ItemResult::State::Failed);
            REQUIRE(r.execution.errorOf(0));
            CHECK(r.execution.errorOf(0)->message().find("changed on the left while it was copied") != std::string::npos);
            CHECK(readFile(p.right + "/disk.img") == "old target");
            CHECK(tree(p.right).size() == 1); // no temporary left behind
        }
    }
}

namespace {

// A file of `size` bytes holding `data` at each of `offsets`, holes elsewhere.
void writeSparse(const std::string& abs, int64_t size, const std::vector<int64_t>& offsets, const std::string& data)
{
    int fd = ::open(abs.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    for (int64_t off : offsets)
        REQUIRE(::pwrite(fd, data.data(), data.size(), off) == ssize_t(data.size()));
    REQUIRE(::ftruncate(fd, size) == 0);
    ::close(fd);
}

int64_t allocatedBytes(const std::string& abs)
{
    struct stat st {};
    REQUIRE(::stat(abs.c_str(), &st) == 0);
    return int64_t(st.st_blocks) * 512;
}

} // namespace

TEST_CASE("a sparse file's copy keeps its holes", "[executor]")
{
    SyncPair p;
    const std::string data(4096, 'd');
    // Above the hash limit (the stream copy): 4 KiB of data at 32 MiB of 64 MiB.
    writeSparse(p.left + "/big.img", 64 << 20, {32 << 20}, data);
    // Below it (hashed while copied): data first and in the middle, a hole at the end.
    writeSparse(p.left + "/small.img", 8 << 20, {0, 3 << 20}, data);
    REQUIRE(allocatedBytes(p.left + "/big.img") < (1 << 20)); // the file system makes holes here
    SyncReport r = p.sync();
    INFO(r.fatalMessage << guardText(r));
    REQUIRE(r.exit == ExitCode::InSync);
    for (const char* name : {"/big.img", "/small.img"}) {
        INFO(name);
        CHECK(allocatedBytes(p.right + name) < (1 << 20));
        CHECK(readFile(p.right + name) == readFile(p.left + name));
    }
    auto store = StateStore::open(p.state, true);
    REQUIRE(store.ok());
    auto base = (*store)->loadBase();
    REQUIRE(base.ok());
    const auto* small = base->find("small.img");
    REQUIRE(small);
    REQUIRE(small->hasHash);
    CHECK(small->hash == hashBytes(readFile(p.left + "/small.img"))); // the holes' zeros are in the hash
    CHECK_FALSE(p.sync().plan.hasWork());
}
