// SyncRun end to end on real folders: the rules of DESIGN.md as a user
// meets them (first runs, moves, odd names), each ending with "a second run
// plans nothing".
#include "builders.h"
#include "syncfixture.h"

#include <catch2/catch.hpp>

using namespace ferry;
using namespace ferry::test;

namespace {

std::string describe(const SyncReport& r)
{
    std::string s = r.fatalMessage + r.guardMessage;
    for (const Error& e : r.errors)
        s += "\n" + e.message();
    return s;
}

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
    int left = 0, right = 0;
    for (const auto& [path, content] : t) {
        left += content == "f:left version";
        right += content == "f:RIGHT versio";
    }
    CHECK(left == 1);
    CHECK(right == 1);
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
