// SyncRun end to end on real folders: the rules of DESIGN.md as a user
// meets them (first runs, moves, odd names), each ending with "a second run
// plans nothing".
#include "builders.h"
#include "reportcheck.h"
#include "syncfixture.h"

#include <catch2/catch.hpp>
#include <functional>

using namespace ferry;
using namespace ferry::test;

namespace {

void expectSecondRunQuiet(const SyncPair& p)
{
    SyncReport again = p.sync();
    INFO(describe(again));
    CHECK(again.exit == ExitCode::InSync);
    CHECK_FALSE(again.plan.hasWork());
}

} // namespace

TEST_CASE("first run: same size and time with different bytes is a conflict, both versions kept", "[syncrun]")
{
    SyncPair p;
    writeFile(p.left + "/notes.txt", "left version", 1700000000);
    writeFile(p.right + "/notes.txt", "RIGHT versio", 1700000000);
    writeFile(p.left + "/same.txt", "same bytes", 1700000000);
    writeFile(p.right + "/same.txt", "same bytes", 1700000000);
    SyncReport r = p.sync();
    INFO(describe(r));
    REQUIRE(r.exit == ExitCode::InSync); // resolved by the default policy: keep both
    CHECK(r.plan.count(Op::Conflict, Side::Right) == 1);
    auto t = tree(p.left);
    CHECK(t == tree(p.right));
    CHECK(t.size() == 3);
    CHECK(countHolding(t, "f:left version") == 1);
    CHECK(countHolding(t, "f:RIGHT versio") == 1);
    CHECK(t.at("same.txt") == "f:same bytes");
    expectSecondRunQuiet(p);
}

TEST_CASE("a conflict on a 245-byte name resolves with a shortened keep-both name", "[syncrun]")
{
    SyncPair p;
    const std::string name = std::string(241, 'n') + ".txt";
    REQUIRE(name.size() == 245);
    writeFile(p.left + "/" + name, "left edit", 1700000000);
    writeFile(p.right + "/" + name, "the right edit", 1700000100);
    SyncReport r = p.sync();
    INFO(describe(r));
    REQUIRE(r.exit == ExitCode::InSync);
    auto t = tree(p.left);
    CHECK(t == tree(p.right));
    REQUIRE(t.size() == 2);
    CHECK(t.at(name) == "f:the right edit"); // the newer keeps the name
    for (const auto& [path, content] : t) {
        CHECK(path.size() <= 255);
        if (path != name) {
            CHECK(content == "f:left edit");
            CHECK(path.find(" (conflict ") != std::string::npos);
            CHECK(path.substr(path.size() - 4) == ".txt");
        }
    }
    expectSecondRunQuiet(p);
}

TEST_CASE("moves into new folders end in sync: a run never trips over its own actions", "[syncrun]")
{
    struct Row {
        const char* name;
        std::function<void(const SyncPair&)> change;
    };
    auto mk = [](const std::string& abs) { REQUIRE(::mkdir(abs.c_str(), 0755) == 0); };
    auto mv = [](const std::string& from, const std::string& to) { REQUIRE(::rename(from.c_str(), to.c_str()) == 0); };
    const std::vector<Row> rows = {
        {"a file moved into a new folder on the left",
         [&](const SyncPair& p) {
             mk(p.left + "/sub");
             mv(p.left + "/f.txt", p.left + "/sub/f.txt");
         }},
        {"a file moved two new folders deep on the right",
         [&](const SyncPair& p) {
             mk(p.right + "/a");
             mk(p.right + "/a/b");
             mv(p.right + "/f.txt", p.right + "/a/b/f.txt");
         }},
        {"a folder moved into a new folder on the right",
         [&](const SyncPair& p) {
             mk(p.right + "/new");
             mv(p.right + "/d", p.right + "/new/d");
         }},
        {"a folder moved into a new folder on the left",
         [&](const SyncPair& p) {
             mk(p.left + "/new");
             mv(p.left + "/d", p.left + "/new/d");
         }},
        {"the same move into a new folder on both sides",
         [&](const SyncPair& p) {
             for (const std::string& side : {p.left, p.right}) {
                 mk(side + "/sub");
                 mv(side + "/f.txt", side + "/sub/f.txt");
             }
         }},
        {"a move out of a folder that is then deleted",
         [&](const SyncPair& p) {
             mv(p.left + "/d/inner.txt", p.left + "/inner.txt");
             REQUIRE(::rmdir((p.left + "/d").c_str()) == 0);
         }},
        {"a rename that changes only the letter case",
         [&](const SyncPair& p) { mv(p.left + "/f.txt", p.left + "/F.txt"); }},
        {"a move and a new file in the same new folder",
         [&](const SyncPair& p) {
             mk(p.left + "/sub");
             mv(p.left + "/f.txt", p.left + "/sub/f.txt");
             writeFile(p.left + "/sub/new.txt", "new");
         }},
        {"a move into a new folder with a new empty folder beside it",
         [&](const SyncPair& p) {
             mk(p.left + "/sub");
             mk(p.left + "/sub/empty");
             mv(p.left + "/f.txt", p.left + "/sub/f.txt");
         }},
    };
    for (const Row& row : rows) {
        SECTION(row.name)
        {
            SyncPair p;
            writeFile(p.left + "/f.txt", "file content");
            ::mkdir((p.left + "/d").c_str(), 0755);
            writeFile(p.left + "/d/inner.txt", "inner");
            REQUIRE(p.sync().exit == ExitCode::InSync);
            REQUIRE(tree(p.left) == tree(p.right));
            row.change(p);
            SyncReport r = p.sync();
            INFO(describe(r));
            CHECK(r.exit == ExitCode::InSync);
            CHECK(r.errors.empty());
            CHECK(tree(p.left) == tree(p.right));
            CHECK(r.plan.count(Op::Copy, Side::Left) + r.plan.count(Op::Copy, Side::Right) <=
                  2); // carried as moves, not as copies of the files
            expectSecondRunQuiet(p);
        }
    }
}

TEST_CASE("two folders named in two Unicode forms sync as two items on folders that keep them apart", "[syncrun]")
{
    SyncPair p;
    const std::string c = "dir-\xC3\x85", d = "dir-A\xCC\x8A"; // "dir-Å" as NFC and as NFD
    const std::string cafeNfc = "caf\xC3\xA9.txt", cafeNfd = "cafe\xCC\x81.txt";
    ::mkdir((p.left + "/" + c).c_str(), 0755);
    ::mkdir((p.left + "/" + d).c_str(), 0755);
    writeFile(p.left + "/" + c + "/a.txt", "in the NFC folder");
    writeFile(p.left + "/" + d + "/b.txt", "in the NFD folder");
    // One file copied from a Mac: NFD on the left, NFC on the right, same bytes.
    writeFile(p.left + "/" + cafeNfd, "coffee", 1700000000);
    writeFile(p.right + "/" + cafeNfc, "coffee", 1700000000);
    SyncReport r = p.sync();
    INFO(describe(r));
    REQUIRE(r.exit == ExitCode::InSync);
    auto lt = tree(p.left), rt = tree(p.right);
    CHECK(rt.at(c + "/a.txt") == "f:in the NFC folder");
    CHECK(rt.at(d + "/b.txt") == "f:in the NFD folder");
    CHECK(lt.at(c + "/a.txt") == "f:in the NFC folder");
    CHECK(lt.count(c + "/b.txt") == 0);
    // The single file stays one item, each side keeping its own spelling.
    CHECK(lt.count(cafeNfc) == 0);
    CHECK(rt.count(cafeNfd) == 0);
    CHECK(lt.size() == 5);
    CHECK(rt.size() == 5);
    expectSecondRunQuiet(p);

    // An edit in one of the two folders reaches only its twin on the other side.
    writeFile(p.right + "/" + d + "/b.txt", "edited on the right", 1800000000);
    SyncReport e = p.sync();
    INFO(describe(e));
    CHECK(e.exit == ExitCode::InSync);
    CHECK(readFile(p.left + "/" + d + "/b.txt") == "edited on the right");
    CHECK_FALSE(exists(p.left + "/" + c + "/b.txt"));
    expectSecondRunQuiet(p);
}

TEST_CASE("a second Unicode form beside a name synced in two forms loses nothing under any conflict policy",
          "[syncrun]")
{
    const std::string nfc = "caf\xC3\xA9.txt", nfd = "cafe\xCC\x81.txt";
    const std::vector<std::pair<const char*, ConflictPolicy>> policies = {{"newer", ConflictPolicy::Newer},
                                                                          {"left", ConflictPolicy::LeftWins},
                                                                          {"right", ConflictPolicy::RightWins},
                                                                          {"keep-both", ConflictPolicy::KeepBoth},
                                                                          {"skip", ConflictPolicy::Skip}};
    for (const auto& [name, policy] : policies) {
        SECTION(name)
        {
            SyncPair p;
            // Copied from a Mac on the left, made on Linux on the right: one item.
            writeFile(p.left + "/" + nfd, "original", 1577836800);
            writeFile(p.right + "/" + nfc, "original", 1577836800);
            REQUIRE(p.sync().exit == ExitCode::InSync);
            // A new file whose name is the right's spelling appears on the left.
            writeFile(p.left + "/" + nfc, "new different", 1700000000);
            SyncOptions o = p.options();
            o.conflict = policy;
            SyncReport r = p.sync(o);
            INFO(describe(r));
            CHECK(r.exit == ExitCode::InSync);
            CHECK(r.plan.deletions(Side::Left) == 0);
            CHECK(r.plan.deletions(Side::Right) == 0);
            for (const std::string& side : {p.left, p.right}) {
                auto t = tree(side);
                CHECK(t.size() == 2);
                CHECK(t[nfd] == "f:original");
                CHECK(t[nfc] == "f:new different");
            }
            SyncReport again = p.sync(o);
            CHECK(again.exit == ExitCode::InSync);
            CHECK_FALSE(again.plan.hasWork());
        }
    }
}

TEST_CASE("two long names cut to one keep-both name resolve as two numbered names", "[syncrun]")
{
    SyncPair p;
    const std::string stem(220, 'n');
    const std::string v1 = stem + "-v1.txt", v2 = stem + "-v2.txt";
    writeFile(p.left + "/" + v1, "left one", 1700000000);
    writeFile(p.right + "/" + v1, "right one, newer", 1700000100);
    writeFile(p.left + "/" + v2, "left two", 1700000000);
    writeFile(p.right + "/" + v2, "right two, newer", 1700000100);
    SyncReport r = p.sync(); // keep both
    INFO(describe(r));
    REQUIRE(r.exit == ExitCode::InSync);
    CHECK(r.errors.empty());
    auto t = tree(p.left);
    CHECK(t == tree(p.right));
    REQUIRE(t.size() == 4);
    CHECK(t.at(v1) == "f:right one, newer");
    CHECK(t.at(v2) == "f:right two, newer");
    int kept = 0;
    for (const auto& [path, content] : t) {
        CHECK(path.size() <= 255);
        kept += content == "f:left one" || content == "f:left two";
    }
    CHECK(kept == 2);
    expectSecondRunQuiet(p);
}

TEST_CASE("update mode: a file against a folder is reported as left alone, not as a name check", "[syncrun]")
{
    SyncPair p;
    writeFile(p.left + "/x", "a file");
    REQUIRE(::mkdir((p.right + "/x").c_str(), 0755) == 0);
    writeFile(p.right + "/x/inner", "inside");
    SyncReport r = p.sync(p.options(SyncMode::Update));
    INFO(describe(r));
    CHECK(r.exit == ExitCode::Errors);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].kind == Error::Kind::SkipItem);
    CHECK(r.errors[0].operation == "leave alone");
    CHECK(r.errors[0].path == "x");
    CHECK(readFile(p.right + "/x/inner") == "inside");
}

// The sessions of a run live from the scan to the last action, and a local
// session remembers the folders it opened. A folder the user moves between
// the plan and its execution (a preview left open) must not carry the
// planned actions along: the file is no longer at the planned path.
TEST_CASE("a folder moved after the scan does not take a planned deletion with it", "[syncrun]")
{
    SyncPair p;
    for (const char* side : {"L", "R"}) {
        ::mkdir((p.dir / (std::string(side) + "/a")).c_str(), 0755);
        writeFile(p.dir / (std::string(side) + "/a/x.txt"), "kept by the user", 1000);
        for (const char* f : {"k1", "k2", "k3", "k4"})
            writeFile(p.dir / (std::string(side) + "/" + f), f, 1000);
    }
    REQUIRE(p.sync().exit == ExitCode::InSync);
    ::unlink((p.left + "/a/x.txt").c_str());
    SyncRun run(std::make_unique<LocalBackend>(p.left), std::make_unique<LocalBackend>(p.right), p.options());
    REQUIRE(run.plan());
    // After the scan, the user moves the folder away on the right.
    REQUIRE(::rename((p.right + "/a").c_str(), (p.right + "/moved").c_str()) == 0);
    run.execute();
    CHECK(exists(p.right + "/moved/x.txt"));
}
