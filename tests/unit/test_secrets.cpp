// The system keychain through SecretStore. "[keychain]" runs inside a
// private D-Bus session with GNOME Keyring (run_keychain_test.sh);
// "[nokeychain]" runs with no session bus at all.
#include "secrets/secretstore.h"

#include <catch2/catch.hpp>

#include <QDateTime>

using namespace ferry;

TEST_CASE("a password is stored in, read from and removed from the keychain", "[keychain]")
{
    const std::string key = SecretStore::keyForJob("test job " + std::to_string(QDateTime::currentMSecsSinceEpoch()));
    const std::string secret = "pa55 wörd with spaces & symbols!";
    auto w = SecretStore::write(key, secret);
    INFO(w.detail);
    REQUIRE(w.status == SecretStore::Status::Ok);
    auto r = SecretStore::read(key);
    INFO(r.detail);
    REQUIRE(r.status == SecretStore::Status::Ok);
    CHECK(r.value == secret);
    auto overwrite = SecretStore::write(key, "second");
    REQUIRE(overwrite.status == SecretStore::Status::Ok);
    CHECK(SecretStore::read(key).value == "second");
    REQUIRE(SecretStore::remove(key).status == SecretStore::Status::Ok);
    CHECK(SecretStore::read(key).status == SecretStore::Status::NotFound);
}

TEST_CASE("without a keychain service every call says so", "[nokeychain]")
{
    auto w = SecretStore::write(SecretStore::keyForJob("x"), "secret");
    INFO(w.detail);
    CHECK(w.status == SecretStore::Status::NoKeychain);
    CHECK(SecretStore::read(SecretStore::keyForJob("x")).status == SecretStore::Status::NoKeychain);
}

TEST_CASE("a saved password moves with a renamed job", "[keychain]")
{
    const std::string stamp = std::to_string(QDateTime::currentMSecsSinceEpoch());
    const std::string from = SecretStore::keyForJob("old name " + stamp), to = SecretStore::keyForJob("new name " + stamp);
    REQUIRE(SecretStore::write(from, "moving secret").status == SecretStore::Status::Ok);
    REQUIRE(SecretStore::move(from, to).status == SecretStore::Status::Ok);
    CHECK(SecretStore::read(to).value == "moving secret");
    CHECK(SecretStore::read(from).status == SecretStore::Status::NotFound);
    CHECK(SecretStore::move(from, to).status == SecretStore::Status::NotFound); // nothing left to move
    REQUIRE(SecretStore::remove(to).status == SecretStore::Status::Ok);
}
