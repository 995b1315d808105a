#include "hostkeytext.h"

#include <cctype>

namespace ferry {

std::string hostKeyTypeLabel(const std::string& keyType)
{
    auto starts = [&](const char* prefix) { return keyType.rfind(prefix, 0) == 0; };
    if (starts("ssh-ed25519") || starts("sk-ssh-ed25519"))
        return "ED25519";
    if (starts("ecdsa-") || starts("sk-ecdsa-"))
        return "ECDSA";
    if (starts("ssh-rsa") || starts("rsa-"))
        return "RSA";
    if (starts("ssh-dss"))
        return "DSA";
    std::string upper = keyType;
    for (char& c : upper)
        c = char(std::toupper(static_cast<unsigned char>(c)));
    return upper.empty() ? std::string("unknown") : upper;
}

std::string hostKeyAddress(const HostKeyFacts& facts)
{
    if (facts.port == 22 || facts.port == 0)
        return facts.host;
    return "[" + facts.host + "]:" + std::to_string(facts.port);
}

std::string hostKeyFingerprintLine(const HostKeyFacts& facts)
{
    return hostKeyTypeLabel(facts.keyType) + " key fingerprint is " + facts.fingerprint;
}

} // namespace ferry
