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

TEST_CASE("include patterns narrow the sync to what they name; folders stay", "[filter]")
{
    Filter f({"*.tmp", "drafts/"}, {"*.pdf", "/Photos/", "notes/*.md"});
    CHECK_FALSE(f.excludes("a.pdf", false));
    CHECK_FALSE(f.excludes("deep/er/a.pdf", false));      // no '/' → any depth
    CHECK(f.excludes("a.txt", false));                    // named by no include
    CHECK_FALSE(f.excludes("Photos/2026/x.jpg", false));  // below an included folder
    CHECK(f.excludes("sub/Photos/x.jpg", false));         // "/Photos/" is anchored
    CHECK_FALSE(f.excludes("notes/a.md", false));
    CHECK(f.excludes("notes/deeper/a.md", false));        // '*' stays within a name
    CHECK_FALSE(f.excludes("any/folder", true));          // folders are never excluded by includes
    CHECK(f.excludes("Photos/x.tmp", false));             // an exclusion wins over an inclusion
    CHECK(f.excludes("drafts/a.pdf", false));
    CHECK(f.excludesItem("a.txt", false));
    CHECK_FALSE(f.excludesItem("Photos/a/b.txt", false)); // the scanner asks item by item
    CHECK_FALSE(f.empty());
    CHECK_FALSE(Filter({}, {"*.pdf"}).empty());
    CHECK(f.withExclude("*.pdf").excludes("a.pdf", false));
    CHECK(f.withExclude("*.pdf").includePatterns() == f.includePatterns());
    CHECK_FALSE(Filter({}, {"*.pdf"}) == Filter({}, {"*.doc"}));
}

TEST_CASE("size and age limits admit files by size and modification time", "[filter]")
{
    constexpr int64_t s = 1000000000;
    const int64_t now = int64_t(1764000000) * s;
    ItemLimits none;
    CHECK_FALSE(none.active());
    CHECK(none.admits(0, 0, now));
    ItemLimits size{100, 1000, 0, 0};
    CHECK(size.active());
    CHECK_FALSE(size.admits(99, now, now));
    CHECK(size.admits(100, now, now));
    CHECK(size.admits(1000, now, now));
    CHECK_FALSE(size.admits(1001, now, now));
    ItemLimits age{0, 0, 600, 86400};
    CHECK_FALSE(age.admits(1, now - 599 * s, now));       // changed under 10 minutes ago: still being written
    CHECK(age.admits(1, now - 600 * s, now));
    CHECK(age.admits(1, now - 86400 * s, now));
    CHECK_FALSE(age.admits(1, now - 86401 * s, now));     // older than a day
    CHECK_FALSE(age.admits(1, now + 3600 * s, now));      // a time in the future counts as just changed
    CHECK(size.describe() == "size 100 B–1000 B");
    CHECK(size.problem().empty());
    CHECK(age.problem().empty());
    CHECK(ItemLimits{2000, 1000, 0, 0}.problem().find("no file would be synced") != std::string::npos);
    CHECK(ItemLimits{0, 0, 7200, 3600}.problem().find("no file would be synced") != std::string::npos);
    CHECK_FALSE(ItemLimits{-1, 0, 0, 0}.problem().empty());
    CHECK(ItemLimits{2000, 0, 7200, 0}.problem().empty()); // no upper bound: nothing crossed
    CHECK(ItemLimits{0, 10 << 20, 0, 30 * 86400}.describe() == "size up to 10 MiB, changed within the last 30d");
}

TEST_CASE("sizes and durations read the way people write them", "[filter]")
{
    struct Row { const char* text; int64_t bytes; };
    for (Row r : {Row{"0", 0}, Row{"512", 512}, Row{"10k", 10240}, Row{"10 KB", 10240}, Row{"1.5M", 1572864},
                  Row{"2GiB", int64_t(2) << 30}, Row{"1 tb", int64_t(1) << 40}}) {
        INFO(r.text);
        REQUIRE(parseByteSize(r.text).has_value());
        CHECK(*parseByteSize(r.text) == r.bytes);
    }
    for (const char* bad : {"", "k", "-1", "10 parsecs", "1e3"})
        CHECK_FALSE(parseByteSize(bad).has_value());
    CHECK(*parseDuration("90") == 90);
    CHECK(*parseDuration("15m") == 900);
    CHECK(*parseDuration("12h") == 43200);
    CHECK(*parseDuration("30 days") == 30 * 86400);
    CHECK(*parseDuration("2w") == 14 * 86400);
    CHECK_FALSE(parseDuration("soon").has_value());
    for (int64_t b : {int64_t(0), int64_t(1), int64_t(1536), int64_t(10) << 20, int64_t(3) << 30})
        CHECK(*parseByteSize(formatByteSize(b)) == b);
    for (int64_t d : {int64_t(1), int64_t(90), int64_t(900), int64_t(86400), int64_t(14) * 86400})
        CHECK(*parseDuration(formatDuration(d)) == d);
}
