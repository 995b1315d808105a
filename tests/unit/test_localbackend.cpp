// LocalBackend on real folders: nothing is read or written through a folder
// that is, or became, a symlink; temporaries; holes; flushing.
#include "backend/localbackend.h"
#include "syncfixture.h"
#include "tempdir.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace ferry;
using namespace ferry::test;

namespace {

// Replaces the folder `root/sub` by a symlink to `outside`; the real folder
// is kept aside at `aside`.
void swapForSymlink(const std::string& root, const std::string& sub, const std::string& aside,
                    const std::string& outside)
{
    REQUIRE(::rename((root + "/" + sub).c_str(), aside.c_str()) == 0);
    REQUIRE(::symlink(outside.c_str(), (root + "/" + sub).c_str()) == 0);
}

} // namespace

TEST_CASE("a copy whose folder became a symlink while it was written is not put in place", "[localbackend]")
{
    TempDir t;
    const std::string root = t / "root", outside = t / "outside";
    ::mkdir(root.c_str(), 0755);
    ::mkdir(outside.c_str(), 0755);
    ::mkdir((root + "/sub").c_str(), 0755);
    LocalBackend b(root);
    auto temp = b.createTemp("sub");
    REQUIRE(temp.ok());
    REQUIRE((*temp)->write("payload", 7).ok());
    swapForSymlink(root, "sub", t / "aside", outside);
    auto committed = b.commit(std::move(*temp), "sub/f", 1700000000LL * 1000000000, 0644, false);
    CHECK_FALSE(committed.ok());
    CHECK(tree(outside).empty());
    CHECK_FALSE(exists(t / "aside/f"));
    CHECK(tree(t / "aside").empty()); // the temporary is gone too
}

TEST_CASE("nothing is created, renamed or deleted through a folder that became a symlink", "[localbackend]")
{
    TempDir t;
    const std::string root = t / "root", outside = t / "outside";
    ::mkdir(root.c_str(), 0755);
    ::mkdir(outside.c_str(), 0755);
    ::mkdir((root + "/sub").c_str(), 0755);
    writeFile(outside + "/victim", "not Ferry's");
    writeFile(outside + "/old", "not Ferry's either");
    const auto before = tree(outside);
    // A backend that already used the folder (its checks are cached), and a fresh one.
    LocalBackend warm(root);
    REQUIRE(warm.stat("sub/x").ok());
    REQUIRE(warm.createTemp("sub").ok());
    swapForSymlink(root, "sub", t / "aside", outside);
    LocalBackend fresh(root);
    for (LocalBackend* b : {&warm, &fresh}) {
        (void)b->makeDir("sub/newdir", 0755);
        (void)b->makeSymlink("sub/link", "target", 1700000000LL * 1000000000);
        (void)b->setTimes("sub/victim", 1600000000LL * 1000000000);
        (void)b->removeFile("sub/victim");
        (void)b->rename("sub/old", "sub/new");
        if (auto temp = b->createTemp("sub"); temp.ok()) {
            REQUIRE((*temp)->write("x", 1).ok());
            (void)b->commit(std::move(*temp), "sub/f", 1700000000LL * 1000000000, 0644, true);
        }
        auto read = b->openRead("sub/victim");
        CHECK_FALSE(read.ok());
    }
    CHECK(tree(outside) == before);
    struct stat st {};
    REQUIRE(::lstat((outside + "/victim").c_str(), &st) == 0);
    CHECK(st.st_mtim.tv_sec != 1600000000);
    auto fails = fresh.createTemp("sub");
    REQUIRE_FALSE(fails.ok());
    CHECK(fails.error().kind == Error::Kind::SkipItem);
}

TEST_CASE("a folder renamed by the backend is found at its new name", "[localbackend]")
{
    TempDir t;
    const std::string root = t / "root";
    ::mkdir(root.c_str(), 0755);
    ::mkdir((root + "/a").c_str(), 0755);
    ::mkdir((root + "/a/b").c_str(), 0755);
    writeFile(root + "/a/b/f", "1");
    LocalBackend b(root);
    REQUIRE(b.stat("a/b/f").ok());
    REQUIRE(b.rename("a", "c").ok());
    REQUIRE(b.makeDir("a", 0755).ok());
    auto st = b.stat("a/b/f");
    REQUIRE(st.ok());
    CHECK_FALSE(st->has_value());
    auto moved = b.stat("c/b/f");
    REQUIRE(moved.ok());
    CHECK(moved->has_value());
    REQUIRE(b.removeFile("c/b/f").ok());
    REQUIRE(b.removeDir("c/b").ok());
    REQUIRE(b.makeDir("c/b", 0755).ok());
    auto temp = b.createTemp("c/b");
    REQUIRE(temp.ok());
    REQUIRE(b.commit(std::move(*temp), "c/b/g", 1700000000LL * 1000000000, 0644, false).ok());
    CHECK(exists(root + "/c/b/g"));
}
