#include "backend/location.h"

#include <catch2/catch.hpp>

using namespace ferry;

TEST_CASE("locations parse and print", "[location]")
{
    auto l = Location::parse("/home/me/Docs/../Docs/./x/");
    REQUIRE(l.ok());
    CHECK(l->isLocal());
    CHECK(l->path == "/home/me/Docs/x");
    CHECK(Location::parse("rel/dir", "/work")->path == "/work/rel/dir");
    CHECK(Location::parse("file:///srv/a%20b")->path == "/srv/a b");

    auto s = Location::parse("sftp://me@host.example:2222/srv/docs");
    REQUIRE(s.ok());
    CHECK(s->scheme == Location::Scheme::Sftp);
    CHECK(s->user == "me");
    CHECK(s->host == "host.example");
    CHECK(s->port == 2222);
    CHECK(s->path == "/srv/docs");
    CHECK(s->toString() == "sftp://me@host.example:2222/srv/docs");

    auto v6 = Location::parse("ftps://u@[::1]:990/p");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK(v6->toString() == "ftps://u@[::1]:990/p");
    CHECK(Location::parse("ftp://127.0.0.1/")->path == "/");
}

TEST_CASE("bad locations are refused with a reason", "[location]")
{
    CHECK_FALSE(Location::parse("").ok());
    CHECK_FALSE(Location::parse("gopher://x/y").ok());
    CHECK_FALSE(Location::parse("sftp://me:secret@host/x").ok()); // no passwords in URLs
    CHECK_FALSE(Location::parse("sftp://host:99999/x").ok());
    CHECK_FALSE(Location::parse("sftp:///x").ok());
    CHECK_FALSE(Location::parse("relative").ok());              // no working folder given
    auto e = Location::parse("sftp://me:secret@host/x");
    CHECK(e.error().message().find("secret") == std::string::npos);
}

TEST_CASE("an sftp URL keeps user, host, port and path, and prints back the same", "[location]")
{
    for (const char* url : {"sftp://me@127.0.0.1:2222/srv/docs", "sftp://nas/srv", "sftp://me@[::1]:2222/srv/docs",
                            "sftp://me@[fe80::1]/x", "sftp://me@host/srv/100%25 done", "sftp://a%40b@host/x"}) {
        auto l = Location::parse(url);
        REQUIRE(l.ok());
        CHECK(l->scheme == Location::Scheme::Sftp);
        CHECK_FALSE(l->isLocal());
        auto again = Location::parse(l->toString());
        REQUIRE(again.ok());
        CHECK(*again == *l);
    }
    CHECK(Location::parse("sftp://me@host/srv/100%25 done")->path == "/srv/100% done");
    CHECK(Location::parse("sftp://a%40b@host/x")->user == "a@b");
    auto v6 = Location::parse("sftp://me@[::1]:2222/srv/docs");
    CHECK(v6->host == "::1");
    CHECK(v6->port == 2222);
    CHECK(v6->user == "me");
    CHECK(Location::parse("sftp://nas/srv")->port == 0); // ~/.ssh/config or 22
}

TEST_CASE("an sftp URL with a password, a bare IPv6 address or a bad host is refused", "[location]")
{
    for (const char* url : {"sftp://me:pw@host/x", "sftp://:pw@host/x", "sftp://me:pw@[::1]:22/x", "sftp://::1/x",
                            "sftp://me@ho st/x", "sftp://me@[::1/x", "sftp://me@host:0/x", "sftp://me@host:22x/x"}) {
        INFO(url);
        auto l = Location::parse(url);
        REQUIRE_FALSE(l.ok());
        CHECK(l.error().message().find("pw") == std::string::npos);
    }
}
