// The Backend contract (tests/unit/backend_contract.h) for SftpBackend on a
// private OpenSSH sshd (tests/sftp/sshd.h), with OpenSSH's built-in SFTP
// (internal-sftp), with the stand-alone sftp-server, and with one that
// refuses posix-rename@openssh.com. The same checks as
// LocalBackend's and the fake's, unchanged.
#include "unit/backend_contract.h"

#include "backend/sftpbackend.h"
#include "model/location.h"
#include "sftp/sshd.h"

#include <catch2/catch.hpp>

namespace ferry::test::contract {

namespace {

// The last one offers posix-rename@openssh.com but refuses it (-P): a side
// without atomic rename, where the engine replaces in steps.
const char* const kSubsystems[] = {"internal-sftp", "/usr/lib/openssh/sftp-server",
                                   "/usr/lib/openssh/sftp-server -P posix-rename@openssh.com"};

std::unique_ptr<Backend> openSftp(const TestSshd& server, const std::string& path)
{
    auto where = Location::parse(server.url(path));
    REQUIRE(where.ok());
    auto opened = SftpBackend::open(*where, server.access(), CallContext{});
    INFO((opened.ok() ? std::string() : opened.error().message()));
    REQUIRE(opened.ok());
    return std::move(*opened);
}

} // namespace

std::vector<std::string> sideNames()
{
    std::vector<std::string> names;
    for (const char* subsystem : kSubsystems)
        names.push_back(std::string("sftp ") + subsystem);
    return names;
}

SideUnderTest makeSide(size_t index)
{
    SideUnderTest s;
    s.name = sideNames()[index];
    SshdOptions options;
    options.subsystem = kSubsystems[index];
    auto server = std::make_shared<TestSshd>(options);
    s.server = server;
    const std::string top = server->serverRoot();
    s.backend = openSftp(*server, top + "/root");
    s.sibling = [server, top](const std::string& name) { return openSftp(*server, top + "/" + name); };
    s.versionsBeside.mode = s.versionsInside.mode = VersioningSettings::Mode::Folder;
    s.versionsBeside.serverFolder = top + "/versions";
    s.versionsInside.serverFolder = top + "/root/.versions";
    s.caps = s.backend->capabilities();
    REQUIRE(s.backend->createRoot().ok());
    return s;
}

} // namespace ferry::test::contract
