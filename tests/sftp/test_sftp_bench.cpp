// Throughput of SftpBackend on loopback (hidden: run with "[.bench]"):
// a 200 MB file up and down through the backend alone, and through whole
// mirror runs, printed as MB/s. Both ends share this machine's cores.
#include "backend/sftpbackend.h"
#include "engine/syncsides.h"
#include "model/location.h"
#include "sftp/sshd.h"
#include "unit/reportcheck.h"
#include "unit/tempdir.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>

using namespace ferry;
using namespace ferry::test;

namespace {

double mbPerSecond(int64_t bytes, std::chrono::steady_clock::duration took)
{
    return double(bytes) / 1e6 / std::chrono::duration<double>(took).count();
}

} // namespace

TEST_CASE("bench: a 200 MB file up and down over SFTP on loopback", "[.bench]")
{
    const int64_t size = std::getenv("FERRY_BENCH_MB") ? std::atoll(std::getenv("FERRY_BENCH_MB")) * 1000000 : 200000000;
    TestSshd server;
    const std::string remote = server.serverRoot() + "/r";
    std::filesystem::create_directories(remote);
    auto where = Location::parse(server.url(remote));
    auto place = SftpBackend::open(*where, server.access(), CallContext{});
    REQUIRE(place.ok());
    auto session = (*place)->connect(CallContext{});
    REQUIRE(session.ok());
    Backend& b = **session;

    std::string block(1 << 20, '\0');
    std::mt19937_64 rng(42);
    for (size_t i = 0; i + 8 <= block.size(); i += 8) {
        const uint64_t v = rng();
        std::memcpy(block.data() + i, &v, 8);
    }
    auto t0 = std::chrono::steady_clock::now();
    auto temp = b.createTemp("", 0644);
    REQUIRE(temp.ok());
    for (int64_t done = 0; done < size; done += int64_t(block.size()))
        REQUIRE((*temp)->write(block.data(), size_t(std::min<int64_t>(int64_t(block.size()), size - done))).ok());
    REQUIRE(b.commit(std::move(*temp), "big.bin", 0, 0644, false).ok());
    const auto up = std::chrono::steady_clock::now() - t0;

    t0 = std::chrono::steady_clock::now();
    auto in = b.openRead("big.bin");
    REQUIRE(in.ok());
    int64_t got = 0;
    for (;;) {
        auto n = (*in)->read(block.data(), block.size());
        REQUIRE(n.ok());
        if (*n == 0)
            break;
        got += int64_t(*n);
    }
    const auto down = std::chrono::steady_clock::now() - t0;
    CHECK(got == size);
    WARN("backend alone, " << size / 1000000 << " MB: up " << mbPerSecond(size, up) << " MB/s, down "
                           << mbPerSecond(size, down) << " MB/s");

    // Whole mirror runs: local -> SFTP and SFTP -> local.
    TempDir src, dst;
    std::filesystem::rename(remote + "/big.bin", src / "big.bin");
    SyncOptions o;
    o.mode = SyncMode::Mirror;
    o.threads = 2;
    t0 = std::chrono::steady_clock::now();
    {
        auto run = openSyncRun(*Location::parse(src.path()), *Location::parse(server.url(remote + "/up")), server.access(), o);
        REQUIRE(run.ok());
        SyncReport r = (*run)->run();
        INFO(describe(r));
        REQUIRE(r.exit == ExitCode::InSync);
    }
    const auto runUp = std::chrono::steady_clock::now() - t0;
    t0 = std::chrono::steady_clock::now();
    {
        auto run = openSyncRun(*Location::parse(server.url(remote + "/up")), *Location::parse(dst.path()), server.access(), o);
        REQUIRE(run.ok());
        SyncReport r = (*run)->run();
        INFO(describe(r));
        REQUIRE(r.exit == ExitCode::InSync);
    }
    const auto runDown = std::chrono::steady_clock::now() - t0;
    CHECK(std::filesystem::file_size(dst / "big.bin") == uint64_t(size));
    WARN("mirror runs (login, scan, copy, hash), " << size / 1000000 << " MB: up " << mbPerSecond(size, runUp)
                                                   << " MB/s, down " << mbPerSecond(size, runDown) << " MB/s");
}

TEST_CASE("bench: a walk of 20,000 files in 1,000 folders, pipelined and serial", "[.bench]")
{
    TestSshd server;
    const std::string remote = server.serverRoot() + "/tree";
    for (int d = 0; d < 1000; ++d) {
        const std::string folder = remote + "/d" + std::to_string(d / 50) + "/e" + std::to_string(d);
        std::filesystem::create_directories(folder);
        for (int f = 0; f < 20; ++f)
            writeFile(folder + "/f" + std::to_string(f), "x");
    }
    auto place = SftpBackend::open(*Location::parse(server.url(remote)), server.access(), CallContext{});
    REQUIRE(place.ok());
    auto session = (*place)->connect(CallContext{});
    REQUIRE(session.ok());
    struct Count final : WalkVisitor {
        int items = 0;
        bool enter(const Entry&) override { return true; }
        bool visit(ListedItem&) override { return ++items > 0; }
        void unreadable(const std::string&, const Error&) override {}
    };
    for (int round = 0; round < 2; ++round) {
        Count pipelined, serial;
        auto t0 = std::chrono::steady_clock::now();
        REQUIRE((*session)->walk("", pipelined).ok());
        const auto tp = std::chrono::steady_clock::now() - t0;
        t0 = std::chrono::steady_clock::now();
        REQUIRE((*session)->Backend::walk("", serial).ok());
        const auto ts = std::chrono::steady_clock::now() - t0;
        CHECK(pipelined.items == serial.items);
        CHECK(pipelined.items == 21020);
        WARN("walk of " << pipelined.items << " items: pipelined " << std::chrono::duration<double>(tp).count()
                        << " s, serial " << std::chrono::duration<double>(ts).count() << " s");
    }
}

TEST_CASE("bench: 2,000 small files up and a no-change re-run", "[.bench]")
{
    TestSshd server;
    TempDir src;
    for (int d = 0; d < 100; ++d) {
        std::filesystem::create_directories(src / ("d" + std::to_string(d)));
        for (int f = 0; f < 20; ++f)
            writeFile(src / ("d" + std::to_string(d) + "/f" + std::to_string(f)), std::string(15000, char('a' + f)));
    }
    SyncOptions o;
    o.mode = SyncMode::TwoWay;
    o.threads = std::getenv("FERRY_BENCH_THREADS") ? std::atoi(std::getenv("FERRY_BENCH_THREADS")) : 4;
    TempDir stateDir;
    o.statePath = stateDir / "state.db";
    auto once = [&] {
        auto t0 = std::chrono::steady_clock::now();
        auto run = openSyncRun(*Location::parse(src.path()), *Location::parse(server.url(server.serverRoot() + "/up")),
                               server.access(), o);
        REQUIRE(run.ok());
        SyncReport r = (*run)->run();
        INFO(describe(r));
        REQUIRE(r.exit == ExitCode::InSync);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    const double up = once();
    const double again = once();
    WARN("2,000 files of 15 kB, " << o.threads << " threads: up " << up << " s, no-change two-way re-run " << again
                                  << " s");
}
