// Secrets (SFTP/FTP passwords, key passphrases) live in the system keychain
// (Secret Service/KWallet on Linux, Keychain on macOS, Credential Manager on
// Windows) through qtkeychain, never in the app database, job exports or
// logs. Keys are "job:<job name>".
//
// Where no keychain service runs (a headless server, CI), every call fails
// with NoKeychain: callers fall back to an environment variable named in the
// job or to a prompt on a terminal, and say so.
// Calls block (a local event loop) for at most a few seconds; call them from
// a thread with a Qt event dispatcher (the main thread of ferry-cli, or a
// worker of the GUI), never from the GUI thread.
#pragma once

#include "common/error.h"

#include <optional>
#include <string>

namespace ferry {

class SecretStore {
public:
    enum class Status { Ok, NotFound, NoKeychain, Failed };
    struct Outcome {
        Status status = Status::Ok;
        std::string value;      // read(): the secret
        std::string detail;     // what the keychain said
    };

    static std::string keyForJob(const std::string& jobName) { return "job:" + jobName; }

    static Outcome write(const std::string& key, const std::string& secret);
    static Outcome read(const std::string& key);
    static Outcome remove(const std::string& key);
    // Moves a saved secret to another key (a renamed job): written under the
    // new key first, removed from the old one only then. NotFound when there
    // was none, which is no failure.
    static Outcome move(const std::string& fromKey, const std::string& toKey);
};

} // namespace ferry
