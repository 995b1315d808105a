// Ferry's temporary names: its own verify, look-alikes do not; the key.
#include "common/tempname.h"
#include "common/relpath.h"
#include "tempdir.h"

#include <catch2/catch.hpp>
#include <set>
#include <sys/stat.h>

using namespace ferry;
using namespace ferry::test;

TEST_CASE("names Ferry makes are recognised as its own and look-alikes are not", "[tempname]")
{
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string name = tempname::make();
        CHECK(relpath::isFerryTemp(name));
        CHECK(tempname::isOwn(name));
        seen.insert(name);
    }
    CHECK(seen.size() == 1000);
    CHECK_FALSE(tempname::isOwn(".ferry-tmp-abcdefghijklmnop"));
    CHECK_FALSE(tempname::isOwn(".ferry-tmp-deadbeef00000000"));
    CHECK_FALSE(tempname::isOwn(".ferry-tmp-notes.txt"));
    std::string tampered = tempname::make();
    tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
    CHECK_FALSE(tempname::isOwn(tampered));
}

TEST_CASE("a set-aside name carries its file's name, signed with the key", "[tempname]")
{
    const std::string aside = tempname::makeAside("report 2026.txt");
    CHECK(tempname::isOwnAside(aside));
    CHECK_FALSE(tempname::isOwn(aside)); // never cleaned up as a temporary
    CHECK(tempname::asideOriginal(aside) == std::optional<std::string>("report 2026.txt"));
    // Another name under the same key part is a user's file.
    std::string forged = aside.substr(0, aside.size() - 4) + ".doc";
    CHECK_FALSE(tempname::isOwnAside(forged));
    CHECK_FALSE(tempname::asideOriginal(forged));
    CHECK_FALSE(tempname::isOwnAside(".ferry-old-abcdefgh12345678-report.txt"));
    // A name too long to carry: still ours, but it says no name.
    const std::string nameless = tempname::makeAside(std::string(250, 'x'), 255);
    CHECK(tempname::isOwnAside(nameless));
    CHECK_FALSE(tempname::asideOriginal(nameless));
    CHECK(nameless.size() <= 255);
}

TEST_CASE("the installation's key is made once, private, and kept across processes", "[tempname]")
{
    TempDir t;
    const std::string data = t / "data";
    REQUIRE(tempname::loadTempKey(data).ok());
    struct stat st {};
    REQUIRE(::stat(tempname::keyPathIn(data).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const std::string made = tempname::make();
    // Another process (or a later run) loads the same key.
    REQUIRE(tempname::loadTempKey(data).ok());
    CHECK(tempname::isOwn(made));
    // Another installation's key does not verify this one's names.
    REQUIRE(tempname::loadTempKey(t / "other-data").ok());
    CHECK_FALSE(tempname::isOwn(made));
    REQUIRE(tempname::loadTempKey(data).ok());
    CHECK(tempname::isOwn(made));
}
