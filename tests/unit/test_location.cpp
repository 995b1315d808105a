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
