// Credentials: what a remote backend is opened with (a password for SFTP or
// FTP), as CredentialResolver found it. A value type that only lives in
// memory: never stored, logged or printed; `source` says where it came from,
// which may be shown ("the environment variable NAS_PW").
//
// Local sides need none: an empty Credentials (source None) is what a job
// with two local sides runs with.
#pragma once

#include <cstdint>
#include <string>

namespace ferry {

struct Credentials {
    enum class Source : uint8_t { None, Environment, Keychain, Prompt };
    Source source = Source::None;
    std::string password;
    std::string from; // where it came from, for the user: "the system keychain"

    bool operator==(const Credentials&) const = default;
};

} // namespace ferry
