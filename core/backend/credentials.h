// Credentials: what a remote backend is opened with (a password for SFTP or
// FTP), as CredentialResolver found it. A value type that only lives in
// memory: never stored, logged or printed; `source` says where it came from,
// which may be shown ("the environment variable NAS_PW").
//
// RemoteAccess: everything else a remote side may need from its caller
// while it connects, asked only when needed: a password (an SSH server that
// takes the user's key never asks), the user's decision on a host key seen
// for the first time, the job's key files. Local sides ignore it.
//
// Local sides need none: an empty Credentials (source None) is what a job
// with two local sides runs with.
#pragma once

#include "common/error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ferry {

struct Credentials {
    enum class Source : uint8_t { None, Environment, Keychain, Prompt };
    Source source = Source::None;
    std::string password;
    std::string from; // where it came from, for the user: "the system keychain"

    bool operator==(const Credentials&) const = default;
};

// A server's host key as shown to the user for a first-use confirmation.
struct HostKeyFacts {
    std::string host;        // the host connected to (after ~/.ssh/config), "127.0.0.1"
    int port = 22;
    std::string keyType;     // "ssh-ed25519", "ecdsa-sha2-nistp256", …
    std::string fingerprint; // as OpenSSH prints it: "SHA256:…" (base64, no padding)
    std::string recordIn;    // the known_hosts file an accepted key is written to
    bool operator==(const HostKeyFacts&) const = default;
};

enum class HostKeyChoice : uint8_t { Refuse, AcceptOnce, AcceptAndRemember };

// Asked on the thread that connects; the caller decides how to reach the user.
using HostKeyPrompt = std::function<HostKeyChoice(const HostKeyFacts&)>;
// Asked when the server wants a password and none is known yet; `why` says
// what happened ("the key was not accepted"). An error when none can be had.
using PasswordSource = std::function<Result<Credentials>(const std::string& why)>;

struct RemoteAccess {
    // A password known up front (--password-env, a test); tried before
    // `password` is asked.
    Credentials credentials;
    // Asked at most once per side, only when the server wants a password.
    // Empty: nobody to ask; the password login is not tried.
    PasswordSource password;
    // Asked for a host key that no known_hosts file knows. Empty: such a
    // key is refused (a scheduled run never accepts one on its own).
    HostKeyPrompt confirmHostKey;
    // The job's own private key files, tried before ~/.ssh's and the agent's.
    std::vector<std::string> identityFiles;
    // Ferry's own known_hosts (where accepted keys are written); "" means
    // <data folder>/known_hosts. Read after the user's own.
    std::string ferryKnownHosts;
    // The user's OpenSSH folder (config, known_hosts, id_*); "" means $HOME/.ssh.
    std::string sshDir;
};

} // namespace ferry
