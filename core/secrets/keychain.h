// Keychain: the few secret operations Ferry's job operations and the
// credential resolver need, behind an interface so tests can give them a
// fake. Keychain::system() is the real one (SecretStore, see secretstore.h).
//
// Thread-safety: system() forwards to SecretStore, whose calls block for a
// few seconds at most and need a thread with a Qt event dispatcher, never
// the GUI thread. Failure kinds are SecretStore's (NotFound, NoKeychain,
// Failed), never exceptions.
#pragma once

#include "secrets/secretstore.h"

#include <string>

namespace ferry {

class Keychain {
public:
    virtual ~Keychain() = default;
    virtual SecretStore::Outcome read(const std::string& key) = 0;
    virtual SecretStore::Outcome write(const std::string& key, const std::string& secret) = 0;
    virtual SecretStore::Outcome remove(const std::string& key) = 0;
    // Written under the new key first, removed from the old one only then.
    virtual SecretStore::Outcome move(const std::string& fromKey, const std::string& toKey) = 0;

    // The system keychain (SecretStore); lives for the whole program.
    static Keychain& system();
};

} // namespace ferry
