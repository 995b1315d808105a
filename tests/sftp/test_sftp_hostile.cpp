// A server that lies or runs out of room, through real SyncRuns against a
// private OpenSSH sshd: a hostile SFTP server (tests/sftp/hostile_sftp_server.py
// as sshd's `Subsystem sftp`) that lists names such as "..", "a/b",
// "../../etc/passwd", a NUL byte or a newline, or fails a listing half way;
// and a server whose disk is full. Nothing outside the roots is touched,
// nothing is deleted because of a bad listing, nothing is lost.
#include "sftp/faultfixture.h"
#include "sftp/hostileserver.h"
#include "sftp/smalldisk.h"

#include <sys/stat.h>

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

struct FileMark {
    std::string content;
    int64_t mtimeNs = 0;
    bool operator==(const FileMark&) const = default;
};

FileMark markOf(const std::string& path)
{
    struct stat st{};
    ::stat(path.c_str(), &st);
    return {readFile(path), int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

// Every path under `root` whose last component is `name`.
std::vector<std::string> findNamed(const std::string& root, const std::string& name)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->path().filename() == name)
            out.push_back(it->path().string());
    return out;
}

std::string hostileSubsystem(const HostileServer& server) { return server.command(); }

// A tree of the test's folder without what a run may change: the local
// root, the run's state and the hostile server's log.
std::map<std::string, std::string> besideLocal(std::map<std::string, std::string> t)
{
    std::erase_if(t, [](const auto& kv) {
        for (const char* own : {"local", "hostile", "state.db"})
            if (kv.first == own || kv.first.rfind(std::string(own) + "/", 0) == 0 ||
                kv.first.rfind(std::string(own) + "-", 0) == 0 || kv.first.rfind(std::string(own) + ".", 0) == 0)
                return true;
        return false;
    });
    return t;
}

} // namespace

TEST_CASE("hostile names in a server's listing are refused and nothing outside the roots is touched",
          "[sftp][faults][hostile]")
{
    TempDir outer; // holds the served folder, the local folder and what surrounds them
    const std::string served = outer / "served";
    std::filesystem::create_directories(served + "/sub");
    writeFile(served + "/readme.txt", "read me\n");
    writeFile(served + "/sub/in.txt", "inside\n");
    writeFile(served + "/big.bin", patterned(300 << 10, 'h'));
    HostileServer server(served, outer / "hostile");
    SshdOptions options;
    options.subsystem = hostileSubsystem(server);
    TestSshd sshd(options);

    const std::string local = outer / "local";
    std::filesystem::create_directories(local);
    writeFile(local + "/mine.txt", "mine\n");
    writeFile(outer / "neighbour.txt", "next door\n");
    const FileMark passwd = markOf("/etc/passwd");
    const auto outerBefore = tree(outer.path());

    const Location remote = remoteLocation(sshd, served);
    const RemoteAccess access = sshd.access();
    SyncOptions o;
    o.mode = SyncMode::TwoWay;
    o.statePath = outer / "state.db";
    o.threads = 2;
    o.callTimeout = 10s;

    auto runOnce = [&](const std::string& mode) {
        server.setMode(mode);
        auto run = openRun(local, remote, access, o);
        Bounded b = runBounded([&] { run->run(); }, 60s, [] {});
        CHECK(b.endedInTime);
        return run->report();
    };

    // A first, honest run: the server's files come down (its refusal of
    // every write fails the upload of mine.txt), and the base knows them.
    const auto start = std::chrono::steady_clock::now();
    SyncReport first = runOnce("normal");
    INFO(allErrors(first));
    // This server answers reads with at most 64 KiB: short answers are
    // asked for again without waiting out a call timeout.
    CHECK(std::chrono::steady_clock::now() - start < o.callTimeout);
    CHECK(holdsBytes(local + "/big.bin", patterned(300 << 10, 'h')));
    REQUIRE(readFile(local + "/readme.txt") == "read me\n");
    REQUIRE(readFile(local + "/sub/in.txt") == "inside\n");

    const std::string mode = GENERATE(std::string("names"), std::string("dirs"), std::string("duplicates"));
    INFO("hostile mode: " << mode);
    SyncReport r = runOnce(mode);
    INFO(allErrors(r));

    // The server never saw a request for a path outside its folder: no
    // hostile name was followed (the log has a line for each such request).
    CHECK(server.outsideRequests() == "");
    // Nothing outside the local root changed, no "passwd" appeared anywhere,
    // and /etc/passwd is as it was.
    CHECK(findNamed(outer.path(), "passwd").empty());
    CHECK(markOf("/etc/passwd") == passwd);
    CHECK(besideLocal(tree(outer.path())) == besideLocal(outerBefore));
    // Nothing local was deleted because of the listing.
    CHECK(readFile(local + "/mine.txt") == "mine\n");
    CHECK(readFile(local + "/readme.txt") == "read me\n");
    CHECK(readFile(local + "/sub/in.txt") == "inside\n");
    // Only names that are valid here reached the local side: no "..", no
    // "a" folder made for "a/b", no name cut at its NUL byte to "nul".
    CHECK(!exists(local + "/a"));
    CHECK(!exists(local + "/nul"));
    CHECK(!exists(local + "/etc"));
    // The refusal is said, not silent: an error names each refused name
    // (a NUL byte shown escaped, not cut off there).
    const std::string said = allErrors(r);
    if (mode != "duplicates") {
        CHECK(said.find("'a/b'") != std::string::npos);
        CHECK(said.find("'../../etc/passwd'") != std::string::npos);
        CHECK(said.find("'/etc/passwd'") != std::string::npos);
        CHECK(said.find("'nul\\x00byte'") != std::string::npos);
    }
}

TEST_CASE("a listing that fails half way or lies about its length deletes nothing on the other side",
          "[sftp][faults][hostile]")
{
    TempDir outer;
    const std::string served = outer / "served";
    std::filesystem::create_directories(served + "/sub");
    writeFile(served + "/a.txt", "a\n");
    writeFile(served + "/b.txt", "b\n");
    writeFile(served + "/sub/in.txt", "inside\n");
    HostileServer server(served, outer / "hostile");
    SshdOptions options;
    options.subsystem = hostileSubsystem(server);
    TestSshd sshd(options);
    const std::string local = outer / "local";
    std::filesystem::create_directories(local);
    const Location remote = remoteLocation(sshd, served);
    const RemoteAccess access = sshd.access();
    SyncOptions o;
    o.mode = SyncMode::TwoWay;
    o.statePath = outer / "state.db";
    o.threads = 2;
    o.callTimeout = 10s;

    server.setMode("normal");
    {
        auto run = openRun(local, remote, access, o);
        INFO(allErrors(run->run()));
        REQUIRE(run->report().exit == ExitCode::InSync);
    }
    const auto before = tree(local);
    REQUIRE(before.size() == 4);

    const std::string mode =
        GENERATE(std::string("readdir-fail"), std::string("short-count"), std::string("huge-packet"));
    INFO("hostile mode: " << mode);
    server.setMode(mode);
    auto run = openRun(local, remote, access, o);
    Bounded b = runBounded([&] { run->run(); }, 60s, [] {});
    CHECK(b.endedInTime);
    INFO(describeWithPlan(run->report()));
    // The listing did not end as a listing ends: the run says so, and the
    // files it did not list are not taken for deleted on the server.
    CHECK(tree(local) == before);
    CHECK(run->report().exit != ExitCode::InSync);
    CHECK(server.outsideRequests() == "");
}

TEST_CASE("an upload to a server whose disk is full fails clearly and loses nothing", "[sftp][faults][diskfull]")
{
    TestSshd sshd;
    TempDir outer;
    std::filesystem::create_directories(outer / "disk");
    SmallDisk disk(outer / "disk", 2 << 20);
    if (!disk.mounted()) {
        WARN("no small file system can be mounted here (" << disk.why() << "): the disk-full test is skipped");
        return;
    }
    RemotePair pair(outer / "disk/root");
    const Location remote = remoteLocation(sshd, pair.remote);
    const RemoteAccess access = sshd.access();

    // A first run puts the old version on the server; then the local file
    // grows past what the server's disk can hold.
    const std::string old = patterned(300 << 10, 'o');
    writeFile(pair.local + "/big.bin", old, 1600000000);
    writeFile(pair.local + "/keep.txt", "keep\n", 1600000000);
    {
        auto run = openRun(pair.local, remote, access, pair.options());
        INFO(allErrors(run->run()));
        REQUIRE(run->report().exit == ExitCode::InSync);
    }
    REQUIRE(holdsBytes(pair.remote + "/big.bin", old));
    const std::string grown = patterned(3 << 20, 'g');
    writeFile(pair.local + "/big.bin", grown, 1700000000);
    // And a new file that does not fit either: no name of it may appear.
    writeFile(pair.local + "/new.bin", patterned(3 << 20, 'n'), 1700000000);

    auto run = openRun(pair.local, remote, access, pair.options());
    Bounded b = runBounded([&] { run->run(); }, 120s, [] {});
    CHECK(b.endedInTime);
    const SyncReport& r = run->report();
    INFO(allErrors(r));
    CHECK(r.exit == ExitCode::Errors);
    REQUIRE(!r.execution.itemErrors.empty());
    // The error says what is wrong: the server's disk is full.
    bool saysSpace = false;
    for (const Error& e : r.execution.itemErrors) {
        std::string m = e.message();
        std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        saysSpace = saysSpace || m.find("space") != std::string::npos || m.find("disk is full") != std::string::npos ||
                    m.find("disk full") != std::string::npos;
    }
    CHECK(saysSpace);
    // Nothing lost: the server keeps its old version, the local file is
    // the new one, and no temporary is left on the full disk.
    CHECK(holdsBytes(pair.remote + "/big.bin", old));
    CHECK(holdsBytes(pair.local + "/big.bin", grown));
    CHECK(readFile(pair.remote + "/keep.txt") == "keep\n");
    CHECK(!exists(pair.remote + "/new.bin"));
    CHECK(holdsBytes(pair.local + "/new.bin", patterned(3 << 20, 'n')));
    CHECK(tempsIn(tree(pair.remote)).empty());
    CHECK(disk.freeBytes() > (1 << 20));
}

TEST_CASE("a symlink planted by a server is never written through on the local side", "[sftp][faults][hostile]")
{
    // Run 1: the server lists "docs" as a symlink to a folder outside the
    // local root, which the local side may copy as a link. Run 2: the
    // server lists "docs" as a folder holding "evil.txt". Writing
    // docs/evil.txt through the local copy of the link would put a file
    // outside the local root.
    TempDir outer;
    const std::string served = outer / "served";
    std::filesystem::create_directories(served);
    writeFile(served + "/a.txt", "a\n");
    const std::string outside = outer / "outside";
    std::filesystem::create_directories(outside);
    writeFile(outside + "/precious.txt", "precious\n");
    HostileServer server(served, outer / "hostile");
    SshdOptions options;
    options.subsystem = hostileSubsystem(server);
    TestSshd sshd(options);
    const std::string local = outer / "local";
    std::filesystem::create_directories(local);
    const Location remote = remoteLocation(sshd, served);
    const RemoteAccess access = sshd.access();
    SyncOptions o;
    o.mode = GENERATE(SyncMode::TwoWay, SyncMode::Mirror);
    o.statePath = outer / "state.db";
    o.threads = 2;
    o.callTimeout = 10s;
    // Mirror goes left -> right: the server is the left side there.
    const bool serverLeft = o.mode == SyncMode::Mirror;
    auto runOnce = [&](const std::string& mode) {
        server.setMode(mode);
        auto l = Location::parse(local);
        REQUIRE(l.ok());
        auto opened = serverLeft ? openSyncRun(remote, *l, access, o) : openSyncRun(*l, remote, access, o);
        REQUIRE(opened.ok());
        Bounded b = runBounded([&] { (*opened)->run(); }, 60s, [] {});
        CHECK(b.endedInTime);
        return (*opened)->report();
    };
    INFO((serverLeft ? "mirror from the server" : "two-way"));
    SyncReport first = runOnce("link-plant " + outside);
    INFO(allErrors(first));
    // The link came over as a link (else the second run proves little).
    char target[4096] = {};
    const ssize_t n = ::readlink((local + "/docs").c_str(), target, sizeof target - 1);
    CHECK(std::string(target, n > 0 ? size_t(n) : 0) == outside);
    SyncReport second = runOnce("link-swap");
    INFO(allErrors(second));

    // Nothing was written outside the local root, through the link or otherwise.
    CHECK(!exists(outside + "/evil.txt"));
    CHECK(tree(outside) == std::map<std::string, std::string>{{"precious.txt", "f:precious\n"}});
    // The client never asked the server to follow its link either.
    CHECK(server.outsideRequests() == "");
    // Whatever the local side holds now, "docs" is inside its root: the
    // link itself, or a real folder with the server's file in it.
    struct stat st{};
    REQUIRE(::lstat((local + "/docs").c_str(), &st) == 0);
    INFO("docs is now " << (S_ISDIR(st.st_mode) ? "a folder" : S_ISLNK(st.st_mode) ? "a symlink" : "a file"));
    if (S_ISDIR(st.st_mode))
        CHECK(readFile(local + "/docs/evil.txt") == "evil\n");
    else
        CHECK(S_ISLNK(st.st_mode));
}

TEST_CASE("a listing through Backend::list refuses the same hostile names as the walk", "[sftp][faults][hostile]")
{
    // list() serves the versions folder, the folder browser and single
    // folders; a name with a NUL byte must not come back cut off at it.
    TempDir outer;
    const std::string served = outer / "served";
    std::filesystem::create_directories(served);
    writeFile(served + "/plain.txt", "plain\n");
    HostileServer server(served, outer / "hostile");
    server.setMode("names");
    SshdOptions options;
    options.subsystem = hostileSubsystem(server);
    TestSshd sshd(options);
    auto side = openBackend(remoteLocation(sshd, served), sshd.access());
    REQUIRE(side.ok());
    auto items = (*side)->list("");
    REQUIRE(items.ok());
    std::vector<std::string> names;
    for (const ListedItem& item : *items)
        names.push_back(item.entry.path);
    std::sort(names.begin(), names.end());
    // plain.txt and the odd but valid names; above all no "nul", which is
    // what libssh's sftp_readdir makes of "nul\0byte" (it cuts names at a
    // NUL byte), a different name that may well exist.
    CHECK(std::find(names.begin(), names.end(), "nul") == names.end());
    CHECK(names == std::vector<std::string>{std::string(300, 'L'), "plain.txt", "x\ny"});
    CHECK(server.outsideRequests() == "");
}
