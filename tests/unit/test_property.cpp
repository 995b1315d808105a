// Property: for random trees and random edits on both sides, a two-way sync
// with keep-both leaves both sides identical, loses no content that exists
// after the edits (it is in the tree or in versioning), and a second run
// plans nothing. RC_PARAMS=max_success=N sets the number of cases (CTest
// runs 2,000).
#include "builders.h"
#include "reportcheck.h"
#include "syncfixture.h"

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sys/time.h>

using namespace ferry;
using namespace ferry::test;

namespace {

// Paths the edits play with; each may become a file or a folder.
const std::vector<std::string> kUniverse = {"x", "y", "a", "b", "a/x", "a/y", "a/c", "a/c/x", "b/x", "b/y", "n z"};

struct Edit {
    int kind;   // 0 write, 1 delete, 2 rename, 3 mkdir, 4 type change, 5 touch
    int path;
    int other;
};

std::ostream& operator<<(std::ostream& os, const Edit& e)
{
    static const char* const kinds[] = {"write", "delete", "rename", "mkdir", "type change", "touch"};
    os << kinds[e.kind] << " " << kUniverse[size_t(e.path)];
    if (e.kind == 2)
        os << " -> " << kUniverse[size_t(e.other)];
    return os;
}

struct World {
    int counter = 0;
    int64_t clock = 1700000000;
};

bool isDir(const std::string& p)
{
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isFile(const std::string& p)
{
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool parentIsDir(const std::string& root, const std::string& rel)
{
    size_t slash = rel.rfind('/');
    return slash == std::string::npos || isDir(root + "/" + rel.substr(0, slash));
}

void removeTree(const std::string& p)
{
    std::error_code ec;
    std::filesystem::remove_all(p, ec);
}

void setTime(const std::string& p, int64_t secs)
{
    struct timeval tv[2] = {{secs, 0}, {secs, 0}};
    ::utimes(p.c_str(), tv);
}

std::string freshContent(World& w, const char* side)
{
    ++w.counter;
    // Sizes vary, and some collide, so that time+size alone cannot tell edits apart.
    std::string s = std::string(side) + "#" + std::to_string(w.counter);
    s.append(size_t(w.counter % 3), '.');
    return s;
}

void apply(const std::string& root, const Edit& e, World& w, const char* side)
{
    const std::string rel = kUniverse[size_t(e.path) % kUniverse.size()];
    const std::string abs = root + "/" + rel;
    switch (e.kind) {
    case 0: // write a new or edited file
        if (parentIsDir(root, rel) && !isDir(abs)) {
            writeFile(abs, freshContent(w, side));
            setTime(abs, ++w.clock);
        }
        break;
    case 1: // delete a file or a whole folder
        removeTree(abs);
        break;
    case 2: { // rename
        const std::string to = kUniverse[size_t(e.other) % kUniverse.size()];
        const std::string absTo = root + "/" + to;
        bool inside = to.size() > rel.size() && to.compare(0, rel.size(), rel) == 0 && to[rel.size()] == '/';
        if (to != rel && !inside && (isFile(abs) || isDir(abs)) && !isFile(absTo) && !isDir(absTo) && parentIsDir(root, to))
            ::rename(abs.c_str(), absTo.c_str());
        break;
    }
    case 3: // an empty folder
        if (parentIsDir(root, rel) && !isFile(abs))
            ::mkdir(abs.c_str(), 0755);
        break;
    case 4: // type change
        if (isFile(abs)) {
            ::unlink(abs.c_str());
            ::mkdir(abs.c_str(), 0755);
            writeFile(abs + "/k", freshContent(w, side));
            setTime(abs + "/k", ++w.clock);
        } else if (isDir(abs)) {
            removeTree(abs);
            writeFile(abs, freshContent(w, side));
            setTime(abs, ++w.clock);
        }
        break;
    case 5: // touch: a new time, the same bytes
        if (isFile(abs))
            setTime(abs, ++w.clock);
        break;
    }
}

std::set<std::string> contents(const std::map<std::string, std::string>& t)
{
    std::set<std::string> out;
    for (auto& [path, v] : t)
        if (v.rfind("f:", 0) == 0)
            out.insert(v.substr(2));
    return out;
}

// Up to maxCount edits. gen::inRange scales its range with the size, and
// gen::resize hands its size down to the elements: resized to 6, every edit
// on a side was a write of "x" or "y" (no delete, rename, folder or touch).
// Only the count is kept small; each edit is drawn at the full size, so every
// kind and path comes up.
rc::Gen<std::vector<Edit>> edits(int maxCount)
{
    const auto edit = rc::gen::resize(rc::kNominalSize, rc::gen::construct<Edit>(rc::gen::inRange(0, 6),
        rc::gen::inRange(0, int(kUniverse.size())), rc::gen::inRange(0, int(kUniverse.size()))));
    return rc::gen::resize(maxCount, rc::gen::container<std::vector<Edit>>(edit));
}

} // namespace

TEST_CASE("the edit generator makes every kind of edit on every path", "[property]")
{
    std::set<int> kinds, paths;
    size_t longest = 0;
    for (int seed = 0; seed < 200; ++seed) {
        const auto v = edits(6)(rc::Random(uint64_t(seed)), seed % (rc::kNominalSize + 1)).value();
        longest = std::max(longest, v.size());
        for (const Edit& e : v) {
            kinds.insert(e.kind);
            paths.insert(e.path);
        }
    }
    CHECK(longest <= 6);
    CHECK(kinds.size() == 6);
    CHECK(paths.size() == kUniverse.size());
}

TEST_CASE("random edits on both sides converge without losing content", "[property]")
{
    rc::prop("two-way keep-both converges", [] {
        const auto initial = *edits(12);
        const auto leftEdits = *edits(6);
        const auto rightEdits = *edits(6);
        SyncPair p;
        World w;
        for (const Edit& e : initial)
            if (e.kind == 0 || e.kind == 3)
                apply(p.left, e, w, "init");
        auto o = p.options();
        o.forceDeletions = true; // the guards are tested elsewhere; here edits may delete a lot
        o.threads = 2;
        o.versioning = folderVersioning(p.versions);
        SyncReport first = p.sync(o);
        RC_ASSERT(first.exit == ExitCode::InSync);
        RC_ASSERT(tree(p.left) == tree(p.right));

        for (const Edit& e : leftEdits)
            apply(p.left, e, w, "L");
        for (const Edit& e : rightEdits)
            apply(p.right, e, w, "R");
        std::set<std::string> expected = contents(tree(p.left));
        for (const std::string& c : contents(tree(p.right)))
            expected.insert(c);

        o.nowNs += 1000000000;
        SyncReport second = p.sync(o);
        RC_LOG() << describeWithPlan(second) << "\n";
        RC_ASSERT(second.exit == ExitCode::InSync);
        const auto lt = tree(p.left);
        RC_ASSERT(lt == tree(p.right));

        std::set<std::string> kept = contents(lt);
        for (const std::string& c : contents(tree(p.versions)))
            kept.insert(c);
        for (const std::string& c : expected)
            RC_ASSERT(kept.count(c) == 1);

        o.dryRun = true;
        SyncReport third = p.sync(o);
        RC_ASSERT(third.exit == ExitCode::InSync);
        RC_ASSERT(!third.plan.hasWork());
    });
}

TEST_CASE("a folder deleted on one side while the other moved a folder into it converges", "[property]")
{
    // A smallest case the property found: the move into the folder must keep it.
    SyncPair p;
    REQUIRE(::mkdir((p.left + "/y").c_str(), 0755) == 0);
    REQUIRE(::mkdir((p.left + "/b").c_str(), 0755) == 0);
    auto o = p.options();
    o.forceDeletions = true;
    REQUIRE(p.sync(o).exit == ExitCode::InSync);
    REQUIRE(::rmdir((p.left + "/b").c_str()) == 0);
    REQUIRE(::rename((p.right + "/y").c_str(), (p.right + "/b/x").c_str()) == 0);
    o.nowNs += 1000000000;
    SyncReport r = p.sync(o);
    INFO(describeWithPlan(r));
    CHECK(r.exit == ExitCode::InSync);
    CHECK(tree(p.left) == tree(p.right));
}

TEST_CASE("a folder replaced by a file on one side while the other moved a file into it converges",
          "[property]")
{
    // A smallest case the property found: the moved-in file and the new file both stay.
    SyncPair p;
    REQUIRE(::mkdir((p.left + "/b").c_str(), 0755) == 0);
    writeFile(p.left + "/y", "y", 1700000000);
    auto o = p.options();
    o.forceDeletions = true;
    REQUIRE(p.sync(o).exit == ExitCode::InSync);
    REQUIRE(::rename((p.left + "/y").c_str(), (p.left + "/b/x").c_str()) == 0);
    REQUIRE(::rmdir((p.right + "/b").c_str()) == 0);
    writeFile(p.right + "/b", "b is a file now", 1700000100);
    o.nowNs += 1000000000;
    SyncReport r = p.sync(o);
    INFO(describeWithPlan(r));
    CHECK(r.exit == ExitCode::InSync);
    CHECK(tree(p.left) == tree(p.right));
}
