#include "engine/filter.h"

#include <catch2/catch.hpp>

using namespace ferry;

TEST_CASE("glob patterns", "[filter]")
{
    struct Row { const char* pattern; const char* text; bool match; };
    const Row rows[] = {
        {"*.tmp", "x.tmp", true},
        {"*.tmp", "dir/x.tmp", false},  // '*' does not cross folders
        {"**/x.tmp", "a/b/x.tmp", true},
        {"**/x.tmp", "x.tmp", true},
        {"a/**/b", "a/b", true},
        {"a/**/b", "a/x/y/b", true},
        {"logs/**", "logs/2026/x", true},
        {"logs/**", "other/x", false},
        {"?.txt", "a.txt", true},
        {"?.txt", "ab.txt", false},
        {"[abc].txt", "b.txt", true},
        {"[!abc].txt", "b.txt", false},
        {"[a-c]x", "cx", true},
    };
    for (const Row& r : rows) {
        INFO(r.pattern << " vs " << r.text);
        CHECK(globMatch(r.pattern, r.text) == r.match);
    }
}

TEST_CASE("gitignore-style exclusion rules", "[filter]")
{
    Filter f({"*.tmp", "build/", "/top.txt", "docs/**/draft*", "node_modules"});
    CHECK(f.excludes("a.tmp", false));
    CHECK(f.excludes("deep/er/a.tmp", false));     // no '/' → any depth
    CHECK(f.excludes("build", true));
    CHECK_FALSE(f.excludes("build", false));       // trailing '/' → folders only
    CHECK(f.excludes("x/build/out.o", false));     // below an excluded folder
    CHECK(f.excludes("top.txt", false));
    CHECK_FALSE(f.excludes("sub/top.txt", false)); // anchored
    CHECK(f.excludes("docs/a/b/draft1.md", false));
    CHECK(f.excludes("docs/draft1.md", false));
    CHECK(f.excludes("web/node_modules/pkg/index.js", false));
    CHECK_FALSE(f.excludes("keep.txt", false));
    CHECK_FALSE(Filter().excludes("anything", false));
}
