// A host key in OpenSSH's words, as ferry-cli's question and the window's
// dialog show it.
#include "backend/hostkeytext.h"

#include <catch2/catch.hpp>

using namespace ferry;

TEST_CASE("a host key is named and placed as OpenSSH names it", "[hostkey]")
{
    CHECK(hostKeyTypeLabel("ssh-ed25519") == "ED25519");
    CHECK(hostKeyTypeLabel("ecdsa-sha2-nistp256") == "ECDSA");
    CHECK(hostKeyTypeLabel("rsa-sha2-512") == "RSA");
    CHECK(hostKeyTypeLabel("ssh-rsa") == "RSA");
    CHECK(hostKeyTypeLabel("ssh-dss") == "DSA");
    CHECK(hostKeyTypeLabel("x-new") == "X-NEW");
    HostKeyFacts facts{"127.0.0.1", 2222, "ssh-ed25519", "SHA256:abc", "/data/known_hosts"};
    CHECK(hostKeyAddress(facts) == "[127.0.0.1]:2222");
    CHECK(hostKeyFingerprintLine(facts) == "ED25519 key fingerprint is SHA256:abc");
    facts.port = 22;
    facts.host = "nas.local";
    CHECK(hostKeyAddress(facts) == "nas.local");
}
