#include "backend/localbackend.h"
#include "builders.h"
#include "engine/versioner.h"
#include "forwardingbackend.h"
#include "tempdir.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <sys/stat.h>

using namespace ferry;
using namespace ferry::test;

TEST_CASE("version names keep the extension and parse back", "[versioner]")
{
    CHECK(Versioner::versionName("report.txt", "2026-11-25 101500") == "report 2026-11-25 101500.txt");
    CHECK(Versioner::versionName("Makefile", "2026-11-25 101500") == "Makefile 2026-11-25 101500");
    std::string original;
    int64_t stamp = 0;
    REQUIRE(Versioner::parseVersionName("report 2026-11-25 101500-2.txt", original, stamp));
    CHECK(original == "report.txt");
    CHECK(stamp == int64_t(1795601700) * kSec);
    REQUIRE(Versioner::parseVersionName("my file 2026-11-25 101500", original, stamp));
    CHECK(original == "my file");
    CHECK_FALSE(Versioner::parseVersionName("report.txt", original, stamp));
}

TEST_CASE("replaced and deleted files are moved into the versions folder and can be restored", "[versioner]")
{
    TempDir t;
    ::mkdir((t / "root").c_str(), 0755);
    ::mkdir((t / "root/sub").c_str(), 0755);
    writeFile(t / "root/sub/a.txt", "version one");
    LocalBackend side(t / "root");
    VersioningSettings vs = folderVersioning(t / "versions");
    const int64_t run1 = kT0;
    Versioner v1(vs, run1);
    REQUIRE(v1.preserve(side, "sub/a.txt").ok());
    CHECK_FALSE(exists(t / "root/sub/a.txt"));
    writeFile(t / "root/sub/a.txt", "version two");
    Versioner v2(vs, run1 + 60 * kSec);
    REQUIRE(v2.preserve(side, "sub/a.txt").ok());
    LocalBackend store(vs.folder);
    auto versions = v2.versionsOf(store, "sub/a.txt");
    REQUIRE(versions.size() == 2);
    CHECK(readFile(versions[0].file) == "version two"); // newest first
    CHECK(readFile(versions[1].file) == "version one");
    LocalBackend restored(t / "restored");
    REQUIRE(Versioner::restore(store, versions[1], restored, "a.txt").ok());
    CHECK(readFile(t / "restored/a.txt") == "version one");
    CHECK(exists(versions[1].file)); // restoring copies, the version stays
}

TEST_CASE("two versions of one file in the same second get distinct names", "[versioner]")
{
    TempDir t;
    ::mkdir((t / "root").c_str(), 0755);
    LocalBackend side(t / "root");
    VersioningSettings vs = folderVersioning(t / "v", 0, 0);
    Versioner v(vs, kT0);
    writeFile(t / "root/f", "1");
    REQUIRE(v.preserve(side, "f").ok());
    writeFile(t / "root/f", "2");
    REQUIRE(v.preserve(side, "f").ok());
    LocalBackend store(vs.folder);
    auto all = v.versionsOf(store, "f");
    REQUIRE(all.size() == 2);
    CHECK(readFile(all[0].file) != readFile(all[1].file));
}

TEST_CASE("retention by count and by age uses the injected now", "[versioner]")
{
    TempDir t;
    ::mkdir((t / "root").c_str(), 0755);
    LocalBackend side(t / "root");
    VersioningSettings vs = folderVersioning(t / "v", 2, 30);
    for (int day = 0; day < 5; ++day) {
        writeFile(t / "root/f.txt", "content of day " + std::to_string(day));
        Versioner v(vs, kT0 + int64_t(day) * 86400 * kSec);
        REQUIRE(v.preserve(side, "f.txt").ok());
    }
    Versioner v(vs, kT0);
    LocalBackend store(vs.folder);
    REQUIRE(v.versionsOf(store, "f.txt").size() == 5);
    auto removed = v.applyRetention(store, kT0 + 5 * 86400 * kSec);
    REQUIRE(removed.ok());
    CHECK(*removed == 3);
    auto left = v.versionsOf(store, "f.txt");
    REQUIRE(left.size() == 2);
    CHECK(readFile(left[0].file) == "content of day 4");
    // Forty days later, both remaining versions are older than 30 days.
    CHECK(*v.applyRetention(store, kT0 + 45 * 86400 * kSec) == 2);
    CHECK(v.versionsOf(store, "f.txt").empty());
}

TEST_CASE("owners sharing a versions folder see and prune only their own versions", "[versioner]")
{
    TempDir t;
    ::mkdir((t / "a").c_str(), 0755);
    ::mkdir((t / "c").c_str(), 0755);
    ::mkdir((t / "v").c_str(), 0755);
    LocalBackend sideA(t / "a"), sideC(t / "c");
    writeFile(t / "v/k1 2020-01-01 000000", "legacy, made before owners"); // at the top of the folder
    VersioningSettings a = folderVersioning(t / "v", 0, 0, "job-aaaa");
    VersioningSettings c = folderVersioning(t / "v", 1, 0, "job-cccc");
    for (int round = 0; round < 2; ++round) {
        writeFile(t / "a/k1", "A" + std::to_string(round));
        writeFile(t / "c/k1", "C" + std::to_string(round));
        REQUIRE(Versioner(a, kT0 + round * kSec).preserve(sideA, "k1").ok());
        REQUIRE(Versioner(c, kT0 + round * kSec).preserve(sideC, "k1").ok());
    }
    LocalBackend store(t / "v");
    REQUIRE(Versioner(c, kT0).applyRetention(store, kT0 + 10 * kSec).ok());
    auto ofA = Versioner(a, 0).versionsOf(store, "k1");
    REQUIRE(ofA.size() == 2);
    CHECK(readFile(ofA[0].file) == "A1");
    CHECK(readFile(ofA[1].file) == "A0");
    auto ofC = Versioner(c, 0).versionsOf(store, "k1");
    REQUIRE(ofC.size() == 1);
    CHECK(readFile(ofC[0].file) == "C1");
    // The legacy version is listed apart and retention leaves it alone.
    auto legacy = Versioner(c, 0).legacyVersions(store);
    REQUIRE(legacy.size() == 1);
    CHECK(legacy[0].relPath == "k1");
}

TEST_CASE("the trash follows the freedesktop layout", "[versioner]")
{
    TempDir t;
    ::mkdir((t / "root").c_str(), 0755);
    writeFile(t / "root/gone.txt", "bye");
    qputenv("XDG_DATA_HOME", QByteArray::fromStdString(t / "data"));
    LocalBackend side(t / "root");
    Versioner v(trashVersioning(), kT0);
    REQUIRE(v.preserve(side, "gone.txt").ok());
    qunsetenv("XDG_DATA_HOME");
    CHECK_FALSE(exists(t / "root/gone.txt"));
    CHECK(readFile(t / "data/Trash/files/gone.txt") == "bye");
    std::string info = readFile(t / "data/Trash/info/gone.txt.trashinfo");
    CHECK(info.find("[Trash Info]") == 0);
    CHECK(info.find("Path=" + (t / "root/gone.txt")) != std::string::npos);
}

namespace {

// A versions folder on another drive (the side cannot rename into it, so
// the version is copied) where the user saves the file while its version
// is being copied: the store's commit happens after the save.
class OtherDriveSide final : public LocalForwardingBackend {
public:
    OtherDriveSide(std::string root, std::string editedFile) : LocalForwardingBackend(std::move(root)), m_edited(std::move(editedFile)) {}
    Result<std::unique_ptr<Backend>> connect(const CallContext& c) const override { return m_local.connect(c); }
    Result<void> moveToStore(const std::string& path, Backend&, const std::string&) override
    {
        return errnoError("keep a version of", path, EXDEV);
    }
    Result<std::unique_ptr<Backend>> versionsStore(const VersioningSettings& settings) const override
    {
        struct SlowStore final : LocalForwardingBackend {
            std::string edited;
            SlowStore(std::string root, std::string e) : LocalForwardingBackend(std::move(root)), edited(std::move(e)) {}
            Result<std::unique_ptr<Backend>> connect(const CallContext& c) const override { return m_local.connect(c); }
            Result<Entry> commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs, uint32_t mode,
                                 bool mayReplace) override
            {
                // The user's program writes the file in place meanwhile.
                if (!edited.empty())
                    writeFile(edited, "saved by the user while its version was copied");
                return LocalForwardingBackend::commit(std::move(temp), path, mtimeNs, mode, mayReplace);
            }
        };
        return std::unique_ptr<Backend>(std::make_unique<SlowStore>(settings.folder, m_edited));
    }

private:
    std::string m_edited;
};

} // namespace

TEST_CASE("a file saved while its version is copied to another drive is not deleted", "[versioner]")
{
    TempDir t;
    ::mkdir((t / "root").c_str(), 0755);
    writeFile(t / "root/a.txt", "original", 1000);
    OtherDriveSide side(t / "root", t / "root/a.txt");
    VersioningSettings vs = folderVersioning(t / "versions");
    Versioner v(vs, kT0);
    auto kept = v.preserve(side, "a.txt");
    // Either the save is still in place (and the item reported), or a version holds it.
    LocalBackend store(vs.folder);
    bool saveSurvives = exists(t / "root/a.txt") &&
                        readFile(t / "root/a.txt") == "saved by the user while its version was copied";
    for (const Version& ver : v.allVersions(store))
        saveSurvives = saveSurvives || readFile(ver.file) == "saved by the user while its version was copied";
    CHECK(saveSurvives);
    if (exists(t / "root/a.txt"))
        CHECK_FALSE(kept.ok()); // the item was not versioned: the executor leaves it and reports it
}

// The trash keeps "<name>.trashinfo" beside "files/<name>": a name near the
// file system's limit must still go to the trash (under a shorter name; its
// info file keeps the original path), not fail on every run.
TEST_CASE("a file whose name is near the length limit still goes to the trash", "[versioner]")
{
    TempDir t;
    ::mkdir((t / "root").c_str(), 0755);
    const std::string name = std::string(246, 'n') + ".txt"; // 250 bytes; + ".trashinfo" is too long
    writeFile(t / ("root/" + name), "long");
    qputenv("XDG_DATA_HOME", QByteArray::fromStdString(t / "data"));
    LocalBackend side(t / "root");
    Versioner v(trashVersioning(), kT0);
    auto r = v.preserve(side, name);
    qunsetenv("XDG_DATA_HOME");
    CHECK(r.ok());
    CHECK_FALSE(exists(t / ("root/" + name)));
}

// Known defect, not fixed: a version's name adds " YYYY-MM-DD HHMMSS" (18
// bytes) to the file's, so a file named with more than 237 bytes can never
// be versioned (ENAMETOOLONG), and every run that would replace or delete
// it fails that item again. A fix needs a naming rule for shortened
// versions that versionsOf()/restore still find.
TEST_CASE("a file whose name is near the length limit can still be versioned", "[versioner][!mayfail]")
{
    TempDir t;
    ::mkdir((t / "root").c_str(), 0755);
    const std::string name = std::string(240, 'n') + ".txt";
    writeFile(t / ("root/" + name), "long");
    LocalBackend side(t / "root");
    VersioningSettings vs = folderVersioning(t / "versions");
    Versioner v(vs, kT0);
    CHECK(v.preserve(side, name).ok());
    LocalBackend store(vs.folder);
    CHECK(v.versionsOf(store, name).size() == 1);
}

TEST_CASE("a version copied to another drive keeps the file's permissions", "[versioner]")
{
    TempDir t;
    ::mkdir((t / "root").c_str(), 0755);
    writeFile(t / "root/run.sh", "#!/bin/sh\n", 1000);
    ::chmod((t / "root/run.sh").c_str(), 0750);
    OtherDriveSide side(t / "root", {});
    VersioningSettings vs = folderVersioning(t / "versions");
    Versioner v(vs, kT0);
    REQUIRE(v.preserve(side, "run.sh").ok());
    LocalBackend store(vs.folder);
    auto versions = v.versionsOf(store, "run.sh");
    REQUIRE(versions.size() == 1);
    struct stat st {};
    REQUIRE(::stat(versions[0].file.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0750); // as a version moved on the same drive keeps it
}
