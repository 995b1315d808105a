// A server's host key (HostKeyFacts) in the words OpenSSH users know, for
// ferry-cli's first-use question and the window's host-key dialog: the key
// type as OpenSSH names it in its question ("ED25519"), and the host as
// known_hosts writes it ("[127.0.0.1]:2222", "nas.local"). Pure functions;
// thread-safe.
#pragma once

#include "backend/credentials.h"

#include <string>

namespace ferry {

// "ssh-ed25519" → "ED25519", "ecdsa-sha2-nistp256" → "ECDSA", "rsa-sha2-512"
// → "RSA"; an unknown type is returned as it is (upper-cased).
std::string hostKeyTypeLabel(const std::string& keyType);
// The host with its port when it is not 22, as known_hosts writes it.
std::string hostKeyAddress(const HostKeyFacts& facts);
// "ED25519 key fingerprint is SHA256:…"
std::string hostKeyFingerprintLine(const HostKeyFacts& facts);

} // namespace ferry
