// known_hosts files for SshConnection: where a server's host key is
// recorded, read the way OpenSSH reads them (plain and hashed host names,
// "[host]:port" for ports other than 22, patterns), and Ferry's own file
// written. Internal to the SFTP endpoint.
//
// A key matches when some line of some file records exactly it for the
// host (a key known anywhere is known, as in OpenSSH). Otherwise, a line
// with the same key type but another key means the key changed; a host
// known only with keys of other types is treated as unknown (OpenSSH asks
// then too).
//
// Thread-safety: plain functions; recordHostKey() appends with one write.
#pragma once

#include "common/error.h"

#include <string>
#include <vector>

struct ssh_key_struct;

namespace ferry::sshknownhosts {

// "host" for port 22, "[host]:port" otherwise: how known_hosts names a server.
std::string hostPort(const std::string& host, int port);

struct Lookup {
    enum class State { Unknown, Known, Changed };
    State state = State::Unknown;
    // Known: where it was found; Changed: the first line with the old key.
    std::string file;
    int line = 0;
    // Unknown: the host is recorded, but only with keys of other types.
    bool otherTypesKnown = false;
};

// Looks the key up in `files` (missing files are skipped).
Lookup lookup(const std::vector<std::string>& files, const std::string& hostPort, ssh_key_struct* key);

// Appends "<hostPort> <type> <base64>" to `file`, creating its folder
// (0700) and the file (0600) when missing.
Result<void> recordHostKey(const std::string& file, const std::string& hostPort, ssh_key_struct* key);

// "SHA256:…" as OpenSSH prints it, and "ssh-ed25519", ….
std::string fingerprint(ssh_key_struct* key);
std::string keyType(ssh_key_struct* key);

} // namespace ferry::sshknownhosts
