// SftpBackend beyond the shared contract: what only a real SSH server
// shows (temporaries and renames on the server's disk, times and modes,
// links pointing out of the root, odd names, a session killed mid-write,
// versions kept on the server).
#include "backend/sftpbackend.h"
#include "common/relpath.h"
#include "model/location.h"
#include "sftp/sshd.h"
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
