#include "engine/versionsplace.h"
#include "tempdir.h"

#include <catch2/catch.hpp>
#include <sys/stat.h>

using namespace ferry;
using namespace ferry::test;

namespace {

void makeDirs(const TempDir& t, std::initializer_list<const char*> rels)
{
    for (const char* rel : rels)
        REQUIRE(::mkdir((t / rel).c_str(), 0755) == 0);
}

} // namespace

TEST_CASE("a versions folder inside a root that holds only Ferry's old-style versions is allowed", "[versionsplace]")
{
    TempDir t;
    makeDirs(t, {"L", "L/.versions", "L/.versions/docs", "L/.versions/docs/empty", "L/.versions/job-7"});
    writeFile(t / "L/.versions/docs/a 2026-01-01 000000.txt", "old");
    writeFile(t / "L/.versions/docs/a 2026-01-01 000000-2.txt", "older");
    writeFile(t / "L/.versions/Makefile 2026-01-02 101500", "top level");
    writeFile(t / "L/.versions/job-7/anything", "a job's own versions");
    CHECK_FALSE(versionsFolderProblem(t / "L/.versions", t / "L"));
}

TEST_CASE("a versions folder inside a root that holds a user file beside old-style versions is refused",
          "[versionsplace]")
{
    TempDir t;
    makeDirs(t, {"L", "L/.versions", "L/.versions/docs"});
    writeFile(t / "L/.versions/docs/a 2026-01-01 000000.txt", "old");
    writeFile(t / "L/.versions/docs/notes.txt", "the user's");
    const auto problem = versionsFolderProblem(t / "L/.versions", t / "L");
    REQUIRE(problem);
    CHECK(problem->find("docs/notes.txt") != std::string::npos);
}

TEST_CASE("a link inside a versions folder inside a root is the user's", "[versionsplace]")
{
    TempDir t;
    makeDirs(t, {"L", "L/.versions"});
    REQUIRE(::symlink("elsewhere 2026-01-01 000000.txt", (t / "L/.versions/a 2026-01-01 000000.txt").c_str()) == 0);
    CHECK(versionsFolderProblem(t / "L/.versions", t / "L"));
}

TEST_CASE("a versions folder outside both roots is never a problem", "[versionsplace]")
{
    TempDir t;
    makeDirs(t, {"L", "V"});
    writeFile(t / "V/notes.txt", "anything");
    CHECK_FALSE(versionsFolderProblem(t / "V", t / "L"));
    CHECK_FALSE(versionsFolderRelPath(t / "V", t / "L"));
    CHECK(versionsFolderRelPath(t / "L/.versions", t / "L") == std::optional<std::string>(".versions"));
}
