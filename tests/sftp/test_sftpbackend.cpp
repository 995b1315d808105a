// SftpBackend beyond the shared contract: what only a real SSH server
// shows (temporaries and renames on the server's disk, times and modes,
// links pointing out of the root, odd names, a session killed mid-write,
// versions kept on the server).
#include "backend/sftpbackend.h"
#include "common/relpath.h"
#include "engine/syncsides.h"
#include "model/location.h"
#include "sftp/sshd.h"
#include "unit/reportcheck.h"
#include "unit/syncfixture.h"
#include "unit/tempdir.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

using namespace ferry;
using namespace ferry::test;

namespace {

std::unique_ptr<SftpBackend> openAt(const TestSshd& server, const std::string& path, CallContext context = {})
{
    auto where = Location::parse(server.url(path));
    REQUIRE(where.ok());
    auto opened = SftpBackend::open(*where, server.access(), context);
    INFO((opened.ok() ? std::string() : opened.error().message()));
    REQUIRE(opened.ok());
    return std::move(*opened);
}

Result<std::string> readAllOf(Backend& b, const std::string& path, size_t piece = 1 << 20)
{
    auto in = b.openRead(path);
    if (!in)
        return in.error();
    std::string out, buf(piece, '\0');
    for (;;) {
        auto n = (*in)->read(buf.data(), buf.size());
        if (!n)
            return n.error();
        if (*n == 0)
            return out;
        out.append(buf.data(), *n);
    }
}

} // namespace

TEST_CASE("sftp: a file written on the server reads back in pieces of any size", "[sftp]")
{
    TestSshd server;
    const std::string root = server.serverRoot() + "/r";
    std::filesystem::create_directories(root);
    std::string content;
    for (int i = 0; content.size() < 3 * 1024 * 1024 + 17; ++i)
        content += std::to_string(i) + ",";
    writeFile(root + "/big", content);
    writeFile(root + "/small", "tiny");
    writeFile(root + "/empty", "");
    auto b = openAt(server, root);
    for (size_t piece : {size_t(7), size_t(4096), size_t(1 << 20)}) {
        auto small = readAllOf(*b, "small", piece);
        INFO((small.ok() ? std::string() : small.error().message()));
        REQUIRE(small.ok());
        CHECK(*small == "tiny");
        auto empty = readAllOf(*b, "empty", piece);
        REQUIRE(empty.ok());
        CHECK(empty->empty());
    }
    auto big = readAllOf(*b, "big");
    REQUIRE(big.ok());
    CHECK(big->size() == content.size());
    CHECK(*big == content);
}

namespace {

bool holdsTemp(const std::string& folder)
{
    for (const auto& e : std::filesystem::directory_iterator(folder))
        if (e.path().filename().string().rfind(".ferry-tmp-", 0) == 0)
            return true;
    return false;
}

Result<Entry> putFile(Backend& b, const std::string& path, const std::string& content, int64_t mtimeNs,
                      uint32_t mode = 0644, bool mayReplace = false)
{
    auto temp = b.createTemp(std::string(relpath::parent(path)), mode);
    if (!temp)
        return temp.error();
    if (auto w = (*temp)->write(content.data(), content.size()); !w)
        return w.error();
    return b.commit(std::move(*temp), path, mtimeNs, mode, mayReplace);
}

} // namespace

TEST_CASE("sftp: an upload is written under a temporary name and renamed into place with its time and mode",
          "[sftp]")
{
    TestSshd server;
    const std::string root = server.serverRoot() + "/r";
    std::filesystem::create_directories(root);
    auto place = openAt(server, root);
    auto session = place->connect(CallContext{});
    REQUIRE(session.ok());
    Backend& b = **session;
    auto temp = b.createTemp("", 0640);
    REQUIRE(temp.ok());
    REQUIRE((*temp)->write("first part, ", 12).ok());
    REQUIRE(relpath::name((*temp)->tempPath()).substr(0, 11) == ".ferry-tmp-");
    CHECK_FALSE(exists(root + "/doc.txt")); // nothing under the real name while it is written
    const int64_t mtime = int64_t(1700000123) * 1000000000 + 987654321;
    REQUIRE((*temp)->write("second part", 11).ok());
    auto committed = b.commit(std::move(*temp), "doc.txt", mtime, 0640, false);
    REQUIRE(committed.ok());
    CHECK(readFile(root + "/doc.txt") == "first part, second part");
    CHECK_FALSE(holdsTemp(root));
    struct stat st;
    REQUIRE(::lstat((root + "/doc.txt").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(st.st_mtime == 1700000123); // SFTP v3: whole seconds
    CHECK(committed->mtimeNs == int64_t(1700000123) * 1000000000);
    CHECK(committed->mode == 0640);
    CHECK(committed->size == 23);
    // An executable keeps its bits; a replace is atomic (posix-rename).
    REQUIRE(b.capabilities().atomicRename);
    auto replaced = putFile(b, "doc.txt", "new", mtime, 0755, true);
    REQUIRE(replaced.ok());
    REQUIRE(::lstat((root + "/doc.txt").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
    CHECK(readFile(root + "/doc.txt") == "new");
}

TEST_CASE("sftp: a session killed in the middle of a large upload leaves nothing under the real name",
          "[sftp][faults]")
{
    TestSshd server;
    const std::string root = server.serverRoot() + "/r";
    std::filesystem::create_directories(root);
    writeFile(root + "/existing.bin", "the old bytes", 1700000000);
    auto place = openAt(server, root);
    for (const std::string target : {"new.bin", "existing.bin"}) {
        INFO(target);
        auto session = place->connect(CallContext{});
        REQUIRE(session.ok());
        Backend& b = **session;
        auto temp = b.createTemp("", 0644);
        REQUIRE(temp.ok());
        const std::string block(1 << 20, 'x');
        std::optional<Error> failed;
        for (int mib = 0; mib < 512 && !failed; ++mib) {
            if (mib == 8)
                for (pid_t pid : server.sessionChildPids())
                    ::kill(pid, SIGKILL);
            if (auto w = (*temp)->write(block.data(), block.size()); !w)
                failed = w.error();
        }
        if (!failed) {
            auto c = b.commit(std::move(*temp), target, int64_t(1700000000) * 1000000000, 0644, true);
            REQUIRE_FALSE(c.ok());
            failed = c.error();
        }
        temp->reset();
        CHECK(failed->kind == Error::Kind::Retry);
        CHECK(b.connectionLost());
        if (target == "new.bin")
            CHECK_FALSE(exists(root + "/new.bin"));
        else
            CHECK(readFile(root + "/existing.bin") == "the old bytes");
        // The next session removes the temporary whose writer died.
        session->reset();
        auto next = place->connect(CallContext{});
        REQUIRE(next.ok());
        CHECK_FALSE(holdsTemp(root));
    }
}

TEST_CASE("sftp: a symlink pointing out of the root is listed as a link and never followed", "[sftp]")
{
    TestSshd server;
    const std::string root = server.serverRoot() + "/r";
    const std::string outside = server.serverRoot() + "/outside";
    std::filesystem::create_directories(root);
    std::filesystem::create_directories(outside);
    writeFile(outside + "/secret.txt", "not to be synced");
    REQUIRE(::symlink(outside.c_str(), (root + "/out").c_str()) == 0);
    REQUIRE(::symlink((outside + "/secret.txt").c_str(), (root + "/file-link").c_str()) == 0);
    auto b = openAt(server, root);
    auto items = b->list("");
    REQUIRE(items.ok());
    REQUIRE(items->size() == 2);
    for (const ListedItem& it : *items) {
        CHECK(it.entry.kind == EntryKind::Symlink);
        CHECK(it.linkTarget.rfind(outside, 0) == 0);
    }
    auto st = b->stat("out");
    REQUIRE((st.ok() && *st));
    CHECK((*st)->kind == EntryKind::Symlink);
    CHECK_FALSE(b->openRead("file-link").ok()); // never read through a link
    struct Rec final : WalkVisitor {
        std::vector<std::string> seen;
        bool enter(const Entry&) override { return true; }
        bool visit(ListedItem& item) override
        {
            seen.push_back(item.entry.path);
            return true;
        }
        void unreadable(const std::string&, const Error&) override {}
    } rec;
    REQUIRE(b->walk("", rec).ok());
    CHECK(rec.seen == std::vector<std::string>{"file-link", "out"});

    // A mirror to a local folder copies the links as links.
    TempDir here;
    SyncOptions o;
    o.mode = SyncMode::Mirror;
    o.threads = 2;
    auto left = Location::parse(server.url(root));
    auto right = Location::parse(here.path());
    auto run = openSyncRun(*left, *right, server.access(), o);
    REQUIRE(run.ok());
    SyncReport r = (*run)->run();
    INFO(describe(r));
    CHECK(r.exit == ExitCode::InSync);
    auto t = tree(here.path());
    CHECK(t.at("out") == "l:" + outside);
    CHECK(t.at("file-link") == "l:" + outside + "/secret.txt");
    CHECK(t.size() == 2);
}

TEST_CASE("sftp: names with a newline, spaces and non-ASCII bytes are listed and synced as they are", "[sftp]")
{
    TestSshd server;
    const std::string root = server.serverRoot() + "/r";
    std::filesystem::create_directories(root);
    const std::vector<std::string> odd = {"line\nbreak.txt", " leading space", "tab\there", "caf\xc3\xa9",
                                          "latin1-\xe9", "-dash", "a\\b"};
    for (const std::string& name : odd)
        writeFile(root + "/" + name, "bytes of " + name, 1700000000);
    auto b = openAt(server, root);
    auto items = b->list("");
    REQUIRE(items.ok());
    std::vector<std::string> listed;
    for (const ListedItem& it : *items)
        listed.push_back(it.entry.path);
    std::sort(listed.begin(), listed.end());
    std::vector<std::string> expected = odd;
    std::sort(expected.begin(), expected.end());
    CHECK(listed == expected);
    CHECK(b->refusedNames() == 0);
    auto content = readAllOf(*b, "line\nbreak.txt");
    REQUIRE(content.ok());
    CHECK(*content == "bytes of line\nbreak.txt");

    TempDir here;
    SyncOptions o;
    o.mode = SyncMode::Mirror;
    o.threads = 2;
    auto run = openSyncRun(*Location::parse(here.path()), *Location::parse(server.url(server.serverRoot() + "/copy")),
                           server.access(), o);
    REQUIRE(run.ok());
    // A copy back: the server's odd names to a local folder, and on to another server folder.
    auto down = openSyncRun(*Location::parse(server.url(root)), *Location::parse(here.path()), server.access(), o);
    REQUIRE(down.ok());
    SyncReport r1 = (*down)->run();
    INFO(describe(r1));
    REQUIRE(r1.exit == ExitCode::InSync);
    CHECK(tree(here.path()) == tree(root));
    SyncReport r2 = (*run)->run();
    INFO(describe(r2));
    REQUIRE(r2.exit == ExitCode::InSync);
    CHECK(tree(server.serverRoot() + "/copy") == tree(root));
    // QTemporaryDir cannot remove a name that is not UTF-8.
    for (const auto& e : std::filesystem::directory_iterator(here.path()))
        std::filesystem::remove_all(e.path());
}

TEST_CASE("sftp: replaced and deleted files are kept in a versions folder on the server", "[sftp][versions]")
{
    TestSshd server;
    const std::string remote = server.serverRoot() + "/r";
    const std::string versions = server.serverRoot() + "/versions";
    std::filesystem::create_directories(remote);
    TempDir here, localVersions;
    writeFile(here / "a.txt", "a, first", 1700000000);
    writeFile(here / "b.txt", "b, to delete", 1700000000);
    SyncOptions o;
    o.mode = SyncMode::Mirror;
    o.threads = 2;
    o.versioning.mode = VersioningSettings::Mode::Folder;
    o.versioning.serverFolder = versions;
    o.versioning.folder = localVersions.path();
    auto sync = [&] {
        auto run = openSyncRun(*Location::parse(here.path()), *Location::parse(server.url(remote)), server.access(), o);
        REQUIRE(run.ok());
        return (*run)->run();
    };
    SyncReport first = sync();
    INFO(describe(first));
    REQUIRE(first.exit == ExitCode::InSync);
    writeFile(here / "a.txt", "a, second and longer", 1700000100);
    std::filesystem::remove(here / "b.txt");
    SyncReport second = sync();
    INFO(describe(second));
    REQUIRE(second.exit == ExitCode::InSync);
    CHECK(readFile(remote + "/a.txt") == "a, second and longer");
    CHECK_FALSE(exists(remote + "/b.txt"));
    REQUIRE(exists(versions));
    auto kept = tree(versions);
    CHECK(countHolding(kept, "f:a, first") == 1);
    CHECK(countHolding(kept, "f:b, to delete") == 1);
    CHECK_FALSE(holdsTemp(remote));
}

TEST_CASE("sftp: a server that stops answering ends each kind of call within the timeout or at a cancel",
          "[sftp][faults]")
{
    using namespace std::chrono_literals;
    const std::string op = GENERATE(as<std::string>{}, "stat", "read", "write", "walk");
    const bool byCancel = GENERATE(false, true);
    INFO(op << (byCancel ? ", cancelled" : ", timed out"));
    TestSshd server;
    const std::string root = server.serverRoot() + "/r";
    std::filesystem::create_directories(root + "/sub");
    writeFile(root + "/f", std::string(4 << 20, 'f'));
    auto place = openAt(server, root);
    CancelToken cancel;
    const CallContext context{cancel, byCancel ? std::chrono::milliseconds(60s) : std::chrono::milliseconds(300ms)};
    auto session = place->connect(context);
    REQUIRE(session.ok());
    Backend& b = **session;
    std::unique_ptr<ReadStream> in;
    std::unique_ptr<TempFile> out;
    if (op == "read") {
        auto opened = b.openRead("f");
        REQUIRE(opened.ok());
        in = std::move(*opened);
    } else if (op == "write") {
        auto made = b.createTemp("", 0644);
        REQUIRE(made.ok());
        out = std::move(*made);
    }
    const auto children = server.sessionChildPids();
    for (pid_t pid : children)
        ::kill(pid, SIGSTOP);
    std::jthread canceller;
    if (byCancel)
        canceller = std::jthread([cancel]() mutable {
            std::this_thread::sleep_for(200ms);
            cancel.cancel();
        });
    const auto start = std::chrono::steady_clock::now();
    std::optional<Error> failed;
    if (op == "stat") {
        auto r = b.stat("f");
        if (!r)
            failed = r.error();
    } else if (op == "read") {
        std::string buf(1 << 20, '\0');
        for (int i = 0; i < 64 && !failed; ++i)
            if (auto r = in->read(buf.data(), buf.size()); !r)
                failed = r.error();
    } else if (op == "write") {
        const std::string block(1 << 20, 'w');
        for (int i = 0; i < 256 && !failed; ++i)
            if (auto r = out->write(block.data(), block.size()); !r)
                failed = r.error();
    } else {
        struct Any final : WalkVisitor {
            bool enter(const Entry&) override { return true; }
            bool visit(ListedItem&) override { return true; }
            void unreadable(const std::string&, const Error&) override {}
        } any;
        if (auto r = b.walk("", any); !r)
            failed = r.error();
    }
    const auto took = std::chrono::steady_clock::now() - start;
    in.reset();
    out.reset();
    for (pid_t pid : children)
        ::kill(pid, SIGCONT);
    REQUIRE(failed);
    INFO(failed->message());
    CHECK(took < 5s);
    CHECK(failed->kind == (byCancel ? Error::Kind::Cancelled : Error::Kind::Retry));
    CHECK(b.connectionLost());
    CHECK_FALSE(b.stat("f").ok()); // a lost session fails at once
}

TEST_CASE("sftp: a password is asked once per side, whatever the number of sessions; the host key is pinned",
          "[sftp][password]")
{
    if (!TestSshd::canMakePasswordUser()) {
        WARN("skipped: a password login needs a throwaway account, and only root can make one");
        return;
    }
    SshdOptions options;
    options.passwordAuth = true;
    TestSshd server(options);
    RemoteAccess access = server.access();
    access.identityFiles.clear();
    int asked = 0;
    access.password = [&](const std::string&) -> Result<Credentials> {
        ++asked;
        return Credentials{Credentials::Source::Prompt, server.password(), "the prompt"};
    };
    const char* agent = std::getenv("SSH_AUTH_SOCK");
    const std::string savedAgent = agent ? agent : "";
    ::unsetenv("SSH_AUTH_SOCK");
    auto where = Location::parse("sftp://" + server.passwordUser() + "@127.0.0.1:" + std::to_string(server.port()) + "/tmp");
    REQUIRE(where.ok());
    auto place = SftpBackend::open(*where, access, CallContext{});
    INFO((place.ok() ? std::string() : place.error().message()));
    REQUIRE(place.ok());
    CHECK(asked == 1);
    std::vector<std::unique_ptr<Backend>> sessions;
    for (int i = 0; i < 3; ++i) {
        auto s = (*place)->connect(CallContext{});
        INFO((s.ok() ? std::string() : s.error().message()));
        REQUIRE(s.ok());
        auto exists = (*s)->rootExists();
        REQUIRE(exists.ok());
        CHECK(*exists);
        sessions.push_back(std::move(*s));
    }
    CHECK(asked == 1);
    if (!savedAgent.empty())
        ::setenv("SSH_AUTH_SOCK", savedAgent.c_str(), 1);
}

TEST_CASE("sftp: a session after the server's host key changed within a run is refused", "[sftp][hostkey]")
{
    TestSshd server;
    auto place = openAt(server, server.serverRoot());
    auto first = place->connect(CallContext{});
    REQUIRE(first.ok());
    server.restart(true); // same port, a new host key
    auto second = place->connect(CallContext{});
    REQUIRE_FALSE(second.ok());
    INFO(second.error().message());
    CHECK(second.error().kind == Error::Kind::AbortRun);
    CHECK(second.error().code == Error::Code::HostKeyChanged);
}

TEST_CASE("sftp: a run cancelled in the middle of an upload leaves no temporary and no partial file", "[sftp][faults]")
{
    using namespace std::chrono_literals;
    TestSshd server;
    const std::string remote = server.serverRoot() + "/r";
    std::filesystem::create_directories(remote);
    TempDir here;
    writeFile(here / "big.bin", std::string(size_t(300) << 20, 'b'));
    SyncOptions o;
    o.mode = SyncMode::Mirror;
    o.threads = 2;
    auto run = openSyncRun(*Location::parse(here.path()), *Location::parse(server.url(remote)), server.access(), o);
    REQUIRE(run.ok());
    CancelToken cancel = (*run)->cancelToken();
    std::jthread canceller([&] {
        for (int i = 0; i < 500; ++i) {
            std::this_thread::sleep_for(10ms);
            if (holdsTemp(remote))
                break;
        }
        std::this_thread::sleep_for(50ms);
        cancel.cancel();
    });
    const auto start = std::chrono::steady_clock::now();
    SyncReport r = (*run)->run();
    canceller.join();
    INFO(describe(r));
    CHECK(std::chrono::steady_clock::now() - start < 10s);
    CHECK(r.execution.cancelled);
    CHECK_FALSE(exists(remote + "/big.bin"));
    run->reset();
    CHECK_FALSE(holdsTemp(remote));
}

TEST_CASE("sftp: two files read in turns on one session, with other calls between, read back whole", "[sftp]")
{
    TestSshd server;
    const std::string root = server.serverRoot() + "/r";
    std::filesystem::create_directories(root);
    std::string a, c;
    for (int i = 0; a.size() < (3 << 20); ++i) {
        a += "a" + std::to_string(i);
        c += "c" + std::to_string(i * 7);
    }
    writeFile(root + "/a", a);
    writeFile(root + "/c", c);
    auto place = openAt(server, root);
    auto session = place->connect(CallContext{});
    REQUIRE(session.ok());
    Backend& b = **session;
    auto ina = b.openRead("a");
    auto inc = b.openRead("c");
    REQUIRE((ina.ok() && inc.ok()));
    std::string gotA, gotC, buf(100000, '\0');
    bool endA = false, endC = false;
    for (int turn = 0; !(endA && endC); ++turn) {
        for (auto [in, got, end] : {std::tie(*ina, gotA, endA), std::tie(*inc, gotC, endC)}) {
            if (end)
                continue;
            auto n = in->read(buf.data(), buf.size());
            REQUIRE(n.ok());
            end = *n == 0;
            got.append(buf.data(), *n);
        }
        if (turn % 3 == 0) {
            auto st = b.stat("a"); // a call of its own between the reads
            REQUIRE(st.ok());
        }
        if (turn % 5 == 0) {
            auto temp = b.createTemp("", 0644); // raw writes between the reads
            REQUIRE(temp.ok());
            REQUIRE((*temp)->write(a.data(), 300000).ok());
            REQUIRE(b.commit(std::move(*temp), "w" + std::to_string(turn), 0, 0644, true).ok());
        }
    }
    CHECK(gotA == a);
    CHECK(gotC == c);
    CHECK(readFile(root + "/w0") == a.substr(0, 300000));
}
