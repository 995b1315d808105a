#include "builders.h"
#include "store/statestore.h"
#include "tempdir.h"

#include <catch2/catch.hpp>

using namespace ferry;
using namespace ferry::test;

TEST_CASE("the state store keeps the base across opens", "[statestore]")
{
    TempDir t;
    const std::string f = t / "s.db";
    {
        auto s = StateStore::open(f, false);
        REQUIRE(s.ok());
        REQUIRE((*s)->begin().ok());
        REQUIRE((*s)->upsert(baseWithHash(base("a/b.txt", 10, 1, 7, 8), "hello")).ok());
        REQUIRE((*s)->upsert(baseDir("a", 3, 4)).ok());
        REQUIRE((*s)->upsert(base("a-c", 1, 1)).ok());
        REQUIRE((*s)->commit().ok());
        REQUIRE((*s)->setMeta("left_root", "1:2").ok());
    }
    auto s = StateStore::open(f, false);
    REQUIRE(s.ok());
    auto b = (*s)->loadBase();
    REQUIRE(b.ok());
    REQUIRE(b->entries.size() == 3);
    CHECK(b->entries.pathAt(0) == "a");     // path order: a, a/b.txt, a-c
    CHECK(b->entries.pathAt(1) == "a/b.txt");
    CHECK(b->entries[1].hasHash);
    CHECK(b->entries[1].hash == hashBytes("hello"));
    CHECK(b->entries[1].leftId == 7);
    CHECK(b->entries.pathAt(2) == "a-c");
    CHECK((*s)->meta("left_root") == std::optional<std::string>("1:2"));
}

TEST_CASE("renaming a prefix moves a folder's rows and nothing else", "[statestore]")
{
    TempDir t;
    auto s = StateStore::open(t / "s.db", false);
    REQUIRE(s.ok());
    for (const char* p : {"d", "d/x", "d/sub/y", "d-other", "dd"})
        REQUIRE((*s)->upsert(base(p, 1, 0)).ok());
    REQUIRE((*s)->upsert(base("caf\xC3\xA9/z", 1, 0)).ok());
    REQUIRE((*s)->renamePrefix("d", "e").ok());
    REQUIRE((*s)->renamePrefix("caf\xC3\xA9", "tea").ok());
    auto b = (*s)->loadBase();
    REQUIRE(b.ok());
    std::vector<std::string> paths;
    for (size_t i = 0; i < b->entries.size(); ++i)
        paths.emplace_back(b->entries.pathAt(i));
    CHECK(paths == std::vector<std::string>{"d-other", "dd", "e", "e/sub/y", "e/x", "tea/z"});
}

TEST_CASE("a corrupt or foreign state file is refused and left untouched", "[statestore]")
{
    TempDir t;
    const std::string f = t / "bad.db";
    std::string garbage(8192, '\0');
    for (size_t i = 0; i < garbage.size(); ++i)
        garbage[i] = char((i * 7919) % 251);
    writeFile(f, garbage);
    auto s = StateStore::open(f, false);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().kind == Error::Kind::AbortRun);
    CHECK_FALSE(s.error().nextStep.empty());
    CHECK(readFile(f) == garbage);
    CHECK_FALSE(exists(f + "-wal"));
}

TEST_CASE("a dry run never creates a state file", "[statestore]")
{
    TempDir t;
    auto s = StateStore::open(t / "none.db", true);
    REQUIRE(s.ok());
    auto b = (*s)->loadBase();
    REQUIRE(b.ok());
    CHECK(b->empty());
    CHECK_FALSE(exists(t / "none.db"));
}

TEST_CASE("a state file damaged inside is refused by loadBase, also when its check was deferred", "[statestore]")
{
    TempDir t;
    const std::string f = t / "inside.db";
    {
        auto s = StateStore::open(f, false);
        REQUIRE(s.ok());
        REQUIRE((*s)->begin().ok());
        for (int i = 0; i < 3000; ++i)
            REQUIRE((*s)->upsert(base("folder/some/longer/name-" + std::to_string(i) + ".txt", i, 1, 0)).ok());
        REQUIRE((*s)->commit().ok());
    } // closing checkpoints the WAL into the file
    std::string bytes = readFile(f);
    REQUIRE(bytes.size() > 16 * 4096);
    // Keep the header page (a valid Ferry file at first sight); scramble the b-tree pages behind it.
    for (size_t i = 2 * 4096; i < bytes.size() - 4096; ++i)
        bytes[i] = char((i * 131) % 251);
    writeFile(f, bytes);

    for (bool deferred : {false, true}) {
        CAPTURE(deferred);
        auto s = StateStore::open(f, false, deferred);
        if (!deferred) {
            REQUIRE_FALSE(s.ok());
            CHECK(s.error().kind == Error::Kind::AbortRun);
            continue;
        }
        REQUIRE(s.ok()); // the integrity check waits for loadBase() or the first write
        auto written = (*s)->setMeta("left_root", "1:2");
        REQUIRE_FALSE(written.ok());
        CHECK(written.error().kind == Error::Kind::AbortRun);
        CHECK_FALSE((*s)->begin().ok());
        CHECK_FALSE((*s)->upsert(base("x", 1, 1)).ok());
        auto b = (*s)->loadBase();
        REQUIRE_FALSE(b.ok());
        CHECK(b.error().kind == Error::Kind::AbortRun);
        CHECK_FALSE(b.error().nextStep.empty());
    }
    CHECK(readFile(f) == bytes);
}

TEST_CASE("a deferred check passes on a sound file and the store works as usual", "[statestore]")
{
    TempDir t;
    const std::string f = t / "sound.db";
    {
        auto s = StateStore::open(f, false);
        REQUIRE(s.ok());
        REQUIRE((*s)->upsert(base("a/b.txt", 10, 1)).ok());
    }
    auto s = StateStore::open(f, false, true);
    REQUIRE(s.ok());
    auto size = (*s)->baseSize();
    REQUIRE(size.ok());
    CHECK(size->items == 1);
    CHECK(size->pathBytes == 7);
    REQUIRE((*s)->setMeta("left_root", "1:2").ok()); // runs the check first
    auto b = (*s)->loadBase(*size);
    REQUIRE(b.ok());
    REQUIRE(b->entries.size() == 1);
    CHECK(b->entries.pathAt(0) == "a/b.txt");
    CHECK((*s)->meta("left_root") == std::optional<std::string>("1:2"));
}
