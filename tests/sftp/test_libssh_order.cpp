// What SftpBackend works around (sftpstreams.h, sftpdetail.h ready()):
// libssh 0.10.6 as patched by Debian (CVE-2026-59848, "reject SFTP
// responses with unknown request IDs") loses an answer queued while a later
// one was taken first: the earlier request then waits for ever (here until
// the call's timeout). Hidden ("[.libssh]"): it documents the library, it
// does not test Ferry. If it ever reports both reads, the strict order of
// collection can go.
#include "backend/sshconnection.h"
#include "model/location.h"
#include "sftp/sshd.h"
#include "unit/tempdir.h"
#include <catch2/catch.hpp>
#include <libssh/sftp.h>
#include <fcntl.h>
#include <filesystem>
using namespace ferry;
using namespace ferry::test;
TEST_CASE("libssh: an async read answer taken out of order loses the earlier one", "[.libssh]")
{
    TestSshd server;
    std::filesystem::create_directories(server.serverRoot());
    writeFile(server.serverRoot() + "/f", std::string(1 << 20, 'x'));
    CallContext ctx{CancelToken{}, std::chrono::milliseconds(3000)};
    auto c = SshConnection::open(*Location::parse(server.url("/")), server.access(), ctx);
    REQUIRE(c.ok());
    (*c)->setCallContext(ctx);
    sftp_file f = sftp_open((*c)->sftp(), (server.serverRoot() + "/f").c_str(), O_RDONLY, 0);
    REQUIRE(f);
    std::string buf(65536, '\0');
    const int x = sftp_async_read_begin(f, 65536);
    const int y = sftp_async_read_begin(f, 65536);
    int ry, rx;
    {
        auto call = (*c)->beginCall();
        ry = sftp_async_read(f, buf.data(), 65536, uint32_t(y));
    }
    {
        auto call = (*c)->beginCall();
        rx = sftp_async_read(f, buf.data(), 65536, uint32_t(x));
    }
    WARN("the later read: " << ry << " bytes; the earlier one: " << rx << (rx < 0 ? " (lost)" : ""));
    CHECK(ry == 65536);
}
