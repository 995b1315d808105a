// The Backend contract, once, for every backend: LocalBackend on a real
// folder and FakeBackend in each of its profiles (and each remote backend
// when it lands). Only the Backend interface is used to set things up, so
// the same checks run against any side. What a profile lacks (symlinks,
// case folding) changes what is expected, never whether it is checked.
#include "backend/fakebackend.h"
#include "backend/localbackend.h"
#include "common/hash.h"
#include "common/relpath.h"
#include "tempdir.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

using namespace ferry;
using namespace ferry::test;

namespace {

struct Side {
    std::string name;
    std::unique_ptr<TempDir> dir;             // LocalBackend's folder
    std::shared_ptr<FakeFileSystem> fs;       // FakeBackend's file system
    std::unique_ptr<Backend> backend;
    Capabilities caps;
};

// Index 0 is LocalBackend; the others are the fake's profiles.
std::vector<std::string> sideNames()
{
    std::vector<std::string> names{"local"};
    for (const FakeProfile& p : fakeprofiles::all())
        names.push_back("fake " + p.name);
    return names;
}

Side makeSide(size_t index)
{
    Side s;
    s.name = sideNames()[index];
    if (index == 0) {
        s.dir = std::make_unique<TempDir>();
        s.backend = std::make_unique<LocalBackend>(*s.dir / "root");
    } else {
        s.fs = std::make_shared<FakeFileSystem>(fakeprofiles::all()[index - 1]);
        s.backend = std::make_unique<FakeBackend>(s.fs, "top/root");
    }
    s.caps = s.backend->capabilities();
    REQUIRE(s.backend->createRoot().ok());
    return s;
}

const int64_t kTime = int64_t(1764000000) * 1000000000 + 123456789; // 2025-11-24, with nanoseconds

int64_t atPrecision(int64_t ns, const Capabilities& caps)
{
    const int64_t p = std::max<int64_t>(caps.timePrecisionNs, 1);
    return ns / p * p;
}

Result<Entry> putFile(Backend& b, const std::string& path, const std::string& content, bool mayReplace = false,
                      int64_t mtimeNs = kTime)
{
    auto temp = b.createTemp(std::string(relpath::parent(path)), 0644);
    if (!temp)
        return temp.error();
    if (auto w = (*temp)->write(content.data(), content.size()); !w)
        return w.error();
    return b.commit(std::move(*temp), path, mtimeNs, 0644, mayReplace);
}

std::string readAll(Backend& b, const std::string& path)
{
    auto in = b.openRead(path);
    REQUIRE(in.ok());
    std::string out;
    char buf[7]; // small on purpose: reads in pieces
    for (;;) {
        auto n = (*in)->read(buf, sizeof buf);
        REQUIRE(n.ok());
        if (*n == 0)
            return out;
        out.append(buf, *n);
    }
}

std::vector<std::string> names(Backend& b, const std::string& dir)
{
    auto items = b.list(dir);
    REQUIRE(items.ok());
    std::vector<std::string> out;
    for (const ListedItem& it : *items)
        out.push_back(std::string(relpath::name(it.entry.path)));
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE("contract: a committed file has its bytes, time and size, and no temporary stays", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;

    REQUIRE(b.rootExists().ok());
    CHECK(*b.rootExists());
    auto committed = putFile(b, "a.txt", "alpha bytes");
    REQUIRE(committed.ok());
    CHECK(committed->kind == EntryKind::File);
    CHECK(committed->size == 11);
    CHECK(committed->mtimeNs == atPrecision(kTime, s.caps));
    auto st = b.stat("a.txt");
    REQUIRE(st.ok());
    REQUIRE(*st);
    CHECK((*st)->size == committed->size);
    CHECK((*st)->mtimeNs == committed->mtimeNs);
    CHECK(((*st)->fileId != 0) == s.caps.fileIds);
    CHECK(readAll(b, "a.txt") == "alpha bytes");
    CHECK(names(b, "") == std::vector<std::string>{"a.txt"});
}

TEST_CASE("contract: a commit without replace refuses an existing name and leaves both", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;

    REQUIRE(putFile(b, "a.txt", "first").ok());
    auto second = putFile(b, "a.txt", "second");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().kind == Error::Kind::SkipItem);
    CHECK(readAll(b, "a.txt") == "first");
    CHECK(names(b, "") == std::vector<std::string>{"a.txt"}); // the temporary went with the refusal
    auto replaced = putFile(b, "a.txt", "third, longer", true);
    if (!b.capabilities().atomicRename && !replaced.ok()) {
        // A side without atomic rename may refuse to replace in one step
        // (the engine replaces in steps there); it never loses the file.
        CHECK(readAll(b, "a.txt") == "first");
        CHECK(names(b, "") == std::vector<std::string>{"a.txt"});
        return;
    }
    REQUIRE(replaced.ok());
    CHECK(readAll(b, "a.txt") == "third, longer");
    CHECK(names(b, "") == std::vector<std::string>{"a.txt"});
}

TEST_CASE("contract: a temporary that is never committed is removed", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;
    {
        auto temp = b.createTemp("", 0644);
        REQUIRE(temp.ok());
        REQUIRE((*temp)->write("half", 4).ok());
        CHECK(names(b, "").size() == 1); // visible while it is written
    }
    CHECK(names(b, "").empty());
}

TEST_CASE("contract: folders are made one at a time and removed only when empty", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;

    CHECK_FALSE(b.makeDir("x/y", 0755).ok()); // parents are not made
    REQUIRE(b.makeDir("x", 0755).ok());
    CHECK(b.makeDir("x", 0755).ok());         // already there: fine
    REQUIRE(b.makeDir("x/y", 0755).ok());
    REQUIRE(putFile(b, "x/y/f", "f").ok());
    CHECK_FALSE(putFile(b, "missing/f", "f").ok());
    auto notEmpty = b.removeDir("x/y");
    CHECK_FALSE(notEmpty.ok());
    CHECK(readAll(b, "x/y/f") == "f");
    REQUIRE(b.removeFile("x/y/f").ok());
    CHECK(b.removeFile("x/y/f").ok());        // gone already: fine
    REQUIRE(b.removeDir("x/y").ok());
    auto gone = b.stat("x/y");
    REQUIRE(gone.ok());
    CHECK_FALSE(*gone);
    auto dir = b.stat("x");
    REQUIRE(dir.ok());
    REQUIRE(*dir);
    CHECK((*dir)->kind == EntryKind::Directory);
    CHECK_FALSE(b.makeDir("x/y/z", 0755).ok());
}

TEST_CASE("contract: a rename never replaces what is there and does not make parents", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;

    REQUIRE(putFile(b, "a", "a").ok());
    REQUIRE(putFile(b, "b", "b").ok());
    auto clash = b.rename("a", "b");
    REQUIRE_FALSE(clash.ok());
    CHECK(readAll(b, "a") == "a");
    CHECK(readAll(b, "b") == "b");
    CHECK_FALSE(b.rename("a", "nowhere/a").ok());
    REQUIRE(b.makeDir("d", 0755).ok());
    REQUIRE(b.rename("a", "d/a2").ok());
    CHECK(readAll(b, "d/a2") == "a");
    REQUIRE(b.rename("d", "e").ok()); // a folder moves with what it holds
    CHECK(readAll(b, "e/a2") == "a");
    CHECK(names(b, "") == std::vector<std::string>{"b", "e"});
}

TEST_CASE("contract: names keep their bytes; a folding side finds other spellings", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;

    const std::string nfc = "Caf\xc3\xa9.txt";   // é as one code point
    const std::string nfd = "Caf\x65\xcc\x81.txt"; // e + combining acute
    REQUIRE(putFile(b, nfd, "mac").ok());
    CHECK(names(b, "") == std::vector<std::string>{nfd});
    auto other = b.stat(nfc);
    REQUIRE(other.ok());
    CHECK(bool(*other) == (s.caps.normalizationInsensitive || s.caps.caseInsensitive));
    auto upper = b.stat("CAF\x45\xcc\x81.TXT");
    REQUIRE(upper.ok());
    CHECK(bool(*upper) == s.caps.caseInsensitive);
    if (s.caps.caseInsensitive) {
        // A case-only rename finds itself and takes the new spelling.
        REQUIRE(b.rename(nfd, "CAF\x45\xcc\x81.TXT").ok());
        CHECK(names(b, "") == std::vector<std::string>{"CAF\x45\xcc\x81.TXT"});
    } else if (s.caps.normalizationInsensitive) {
        // A rename of the form only finds itself and takes the new spelling.
        REQUIRE(b.rename(nfd, nfc).ok());
        CHECK(names(b, "") == std::vector<std::string>{nfc});
    } else {
        REQUIRE(putFile(b, nfc, "linux").ok()); // a second, distinct name
        CHECK(names(b, "").size() == 2);
    }
}

TEST_CASE("contract: symlinks are kept where the side has them, refused where it has not", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;

    auto made = b.makeSymlink("link", "some/where", kTime);
    CHECK(made.ok() == s.caps.symlinks);
    if (!s.caps.symlinks) {
        CHECK(made.error().kind == Error::Kind::SkipItem);
        CHECK(names(b, "").empty());
        return;
    }
    auto target = b.readLink("link");
    REQUIRE(target.ok());
    CHECK(*target == "some/where");
    auto items = b.list("");
    REQUIRE(items.ok());
    REQUIRE(items->size() == 1);
    CHECK(items->front().entry.kind == EntryKind::Symlink);
    CHECK(items->front().linkTarget == "some/where");
    REQUIRE(b.makeSymlink("link", "else/where", kTime).ok()); // replaced in one step
    CHECK(*b.readLink("link") == "else/where");
}

TEST_CASE("contract: times are set at the side's precision; a missing root is told apart", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;

    REQUIRE(putFile(b, "t", "t").ok());
    const int64_t later = kTime + int64_t(86400) * 1000000000 + 999999999;
    REQUIRE(b.setTimes("t", later).ok());
    auto st = b.stat("t");
    REQUIRE(st.ok());
    REQUIRE(*st);
    CHECK((*st)->mtimeNs == atPrecision(later, s.caps));
    CHECK_FALSE(b.setTimes("missing", later).ok());

    auto id = b.rootIdentity();
    REQUIRE(id.ok());
    CHECK(id->known);
    std::unique_ptr<Backend> elsewhere = s.fs ? std::unique_ptr<Backend>(std::make_unique<FakeBackend>(s.fs, "nothing"))
                                              : std::unique_ptr<Backend>(std::make_unique<LocalBackend>(*s.dir / "nothing"));
    auto exists = elsewhere->rootExists();
    REQUIRE(exists.ok());
    CHECK_FALSE(*exists);
    REQUIRE(elsewhere->createRoot().ok());
    CHECK(*elsewhere->rootExists());
    auto otherId = elsewhere->rootIdentity();
    REQUIRE(otherId.ok());
    CHECK_FALSE(otherId->sameFolderAs(*id));
}

TEST_CASE("contract: a clone works on the same side", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    std::unique_ptr<Backend> c = s.backend->clone();
    REQUIRE(putFile(*c, "from-clone", "c").ok());
    CHECK(readAll(*s.backend, "from-clone") == "c");
    CHECK(c->location() == s.backend->location());
}

TEST_CASE("fake: a scripted fault fails exactly the call it names", "[contract][fake]")
{
    auto fs = std::make_shared<FakeFileSystem>();
    FakeBackend b(fs, "root");
    REQUIRE(b.createRoot().ok());
    fs->setFault([](std::string_view op, std::string_view path) -> std::optional<Error> {
        if (op == "write" && path.find(".ferry-tmp-") != std::string_view::npos)
            return errnoError("write", std::string(path), ENOSPC);
        return std::nullopt;
    });
    auto refused = putFile(b, "a", "bytes");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().osError == ENOSPC);
    CHECK(fs->tree("root").empty()); // the temporary went away
    fs->setFault({});
    REQUIRE(putFile(b, "a", "bytes").ok());
    CHECK(fs->tree("root") == std::map<std::string, std::string>{{"a", "f:bytes"}});
    CHECK(fs->calls("commit") == 1);
    CHECK(fs->calls("write") == 2);
}

namespace {

// Where a side keeps versions: a local folder beside the root, or a folder
// on the fake's own "server".
VersioningSettings versionsFor(const Side& s)
{
    VersioningSettings v;
    v.mode = VersioningSettings::Mode::Folder;
    if (s.dir)
        v.folder = *s.dir / "versions";
    else
        v.serverFolder = "/top/versions";
    return v;
}

bool sameEntry(const Entry& a, const Entry& b)
{
    return a.path == b.path && a.kind == b.kind && a.size == b.size && a.mtimeNs == b.mtimeNs &&
           a.fileId == b.fileId && a.mode == b.mode;
}

void checkFresh(Backend& b, Result<Entry> returned, const std::string& path)
{
    REQUIRE(returned.ok());
    auto fresh = b.stat(path);
    REQUIRE(fresh.ok());
    REQUIRE(*fresh);
    CHECK(sameEntry(*returned, **fresh));
}

} // namespace

TEST_CASE("contract: rename, makeDir, makeSymlink and setTimes return the item as a fresh stat sees it",
          "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;

    checkFresh(b, b.makeDir("d", 0750), "d");
    checkFresh(b, b.makeDir("d", 0750), "d"); // already there: still its details
    REQUIRE(putFile(b, "d/f.txt", "bytes").ok());
    checkFresh(b, b.rename("d/f.txt", "g.txt"), "g.txt");
    const int64_t dayBefore = kTime - int64_t(86400) * 1000000000;
    checkFresh(b, b.setTimes("g.txt", dayBefore), "g.txt");
    auto timed = b.stat("g.txt");
    REQUIRE((timed.ok() && *timed));
    CHECK((*timed)->mtimeNs == atPrecision(dayBefore, s.caps));
    checkFresh(b, b.rename("d", "e"), "e");
    if (s.caps.symlinks)
        checkFresh(b, b.makeSymlink("l", "g.txt", kTime), "l");
}

TEST_CASE("contract: keeping a version moves the item into the side's versions store", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;

    auto store = b.versionsStore(versionsFor(s));
    REQUIRE(store.ok());
    CHECK_FALSE(b.placeOf(**store)); // beside the root, not inside it
    REQUIRE((*store)->createRoot().ok());
    REQUIRE((*store)->makeDir("job-x", 0).ok());
    REQUIRE(putFile(b, "a.txt", "old bytes").ok());
    auto moved = b.moveToStore("a.txt", **store, "job-x/a v1.txt");
    if (!moved.ok()) {
        // A side may only copy into its store (EXDEV); then nothing moved.
        REQUIRE(moved.error().osError == EXDEV);
        CHECK(readAll(b, "a.txt") == "old bytes");
        return;
    }
    auto gone = b.stat("a.txt");
    REQUIRE(gone.ok());
    CHECK_FALSE(*gone); // nothing left at the path
    CHECK(readAll(**store, "job-x/a v1.txt") == "old bytes");
    // Never replaces: a taken name is EEXIST and both stay.
    REQUIRE(putFile(b, "a.txt", "newer").ok());
    auto again = b.moveToStore("a.txt", **store, "job-x/a v1.txt");
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().osError == EEXIST);
    CHECK(readAll(b, "a.txt") == "newer");
    CHECK(readAll(**store, "job-x/a v1.txt") == "old bytes");
    // A missing folder in the store is ENOENT (the caller makes it).
    auto noFolder = b.moveToStore("a.txt", **store, "job-y/a v1.txt");
    REQUIRE_FALSE(noFolder.ok());
    CHECK(noFolder.error().osError == ENOENT);
    CHECK(readAll(b, "a.txt") == "newer");
}

TEST_CASE("contract: a versions store inside the root is found there", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    VersioningSettings v = versionsFor(s);
    if (s.dir)
        v.folder = *s.dir / "root/.versions";
    else
        v.serverFolder = "top/root/.versions";
    auto store = s.backend->versionsStore(v);
    REQUIRE(store.ok());
    CHECK(s.backend->placeOf(**store) == std::optional<std::string>(".versions"));
}

TEST_CASE("contract: the trash, where a side has one, takes the item and leaves nothing at the path",
          "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;
    REQUIRE(putFile(b, "bin.txt", "to the trash").ok());
    if (s.dir)
        qputenv("XDG_DATA_HOME", QByteArray::fromStdString(*s.dir / "data"));
    auto r = b.moveToTrash("bin.txt");
    auto second = s.caps.trash ? (putFile(b, "bin.txt", "again").ok() ? b.moveToTrash("bin.txt") : r) : r;
    if (s.dir)
        qunsetenv("XDG_DATA_HOME");
    auto there = b.stat("bin.txt");
    REQUIRE(there.ok());
    if (!s.caps.trash) {
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind == Error::Kind::AbortRun);
        CHECK(bool(*there)); // nothing removed
        return;
    }
    REQUIRE(r.ok());
    REQUIRE(second.ok()); // a name already in the trash is never replaced
    CHECK_FALSE(*there);
    if (s.dir) {
        CHECK(readFile(*s.dir / "data/Trash/files/bin.txt") == "to the trash");
        CHECK(readFile(*s.dir / "data/Trash/files/bin.2.txt") == "again");
    }
}

TEST_CASE("contract: a server hash, where offered, is the content hash of the bytes", "[contract]")
{
    const size_t index = GENERATE(range(size_t(0), sideNames().size()));
    Side s = makeSide(index);
    INFO(s.name);
    Backend& b = *s.backend;
    REQUIRE(putFile(b, "h.bin", "some bytes to hash").ok());
    auto h = b.serverHash("h.bin");
    REQUIRE(h.ok());
    if (s.caps.serverHashAlgorithm == Capabilities::kOurHash) {
        REQUIRE(*h);
        CHECK(**h == hashBytes("some bytes to hash"));
    } else if (s.caps.serverHashAlgorithm.empty()) {
        CHECK_FALSE(*h);
    }
}
