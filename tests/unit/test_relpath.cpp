#include "common/relpath.h"
#include "model/snapshot.h"

#include <catch2/catch.hpp>

using namespace ferry;

TEST_CASE("relative paths from listings are validated", "[relpath]")
{
    CHECK(relpath::isValidRelPath("a/b/c.txt"));
    CHECK(relpath::isValidRelPath("-leading dash/ spaced "));
    CHECK_FALSE(relpath::isValidRelPath(""));
    CHECK_FALSE(relpath::isValidRelPath("/abs"));
    CHECK_FALSE(relpath::isValidRelPath("a/../b"));
    CHECK_FALSE(relpath::isValidRelPath("a//b"));
    CHECK_FALSE(relpath::isValidRelPath("a/./b"));
    CHECK_FALSE(relpath::isValidRelPath("trailing/"));
    CHECK_FALSE(relpath::isValidName(std::string("nul\0byte", 8)));
    CHECK_FALSE(relpath::isValidName("a/b"));
}

TEST_CASE("parent, name and inside", "[relpath]")
{
    CHECK(relpath::parent("a/b/c") == "a/b");
    CHECK(relpath::parent("c") == "");
    CHECK(relpath::name("a/b/c") == "c");
    CHECK(relpath::isInside("a/b", "a"));
    CHECK_FALSE(relpath::isInside("ab", "a"));
    CHECK(relpath::join("", "x") == "x");
    CHECK(relpath::depth("a/b/c") == 3);
}

TEST_CASE("NFC and NFD spellings of a name share one match key", "[relpath]")
{
    const std::string nfc = "caf\xC3\xA9";      // café, precomposed
    const std::string nfd = "cafe\xCC\x81";     // café, e + combining acute
    CHECK(nfc != nfd);
    CHECK(relpath::matchKey(nfc, false) == relpath::matchKey(nfd, false));
    CHECK(relpath::matchKey("Readme.TXT", true) == relpath::matchKey("README.txt", true));
    CHECK(relpath::matchKey("Readme.TXT", false) != relpath::matchKey("README.txt", false));
    CHECK(relpath::matchKey("\xC3\x84pfel", true) == relpath::matchKey("\xC3\xA4PFEL", true));
}

TEST_CASE("utf-8 validation rejects broken sequences", "[relpath]")
{
    CHECK(relpath::isValidUtf8("plain"));
    CHECK(relpath::isValidUtf8("caf\xC3\xA9"));
    CHECK_FALSE(relpath::isValidUtf8("caf\xC3"));
    CHECK_FALSE(relpath::isValidUtf8("\xFF\xFE"));
}

TEST_CASE("path order puts a folder's subtree right after the folder", "[relpath]")
{
    CHECK(pathLess("a", "a/b"));
    CHECK(pathLess("a/b", "a-c"));
    CHECK(pathLess("a/z", "a.txt"));
    CHECK_FALSE(pathLess("a-c", "a/b"));
}
