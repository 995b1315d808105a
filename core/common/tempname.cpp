#include "tempname.h"

#include "common/relpath.h"

#include <QDir>
#include <QString>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <random>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

namespace ferry::tempname {

namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kRandomChars = 8;
constexpr size_t kMacChars = 8;
constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
using Key = std::array<unsigned char, kKeyBytes>;

Key randomKey()
{
    std::random_device rd;
    Key k;
    for (unsigned char& b : k)
        b = static_cast<unsigned char>(rd());
    return k;
}

struct KeyHolder {
    std::mutex mutex;
    Key key = randomKey(); // until loadTempKey replaces it
    std::string dataDir;   // where it came from; empty until then
};

KeyHolder& holder()
{
    static KeyHolder h;
    return h;
}

Key currentKey()
{
    KeyHolder& h = holder();
    std::lock_guard lock(h.mutex);
    return h.key;
}

// 8 characters of [0-9a-z] from the keyed hash of `signed` (the random
// part, and for an aside that names its file, that name too).
std::string mac(const Key& key, std::string_view signedPart)
{
    std::string buf(reinterpret_cast<const char*>(key.data()), kKeyBytes);
    buf.append(signedPart);
    uint64_t h = XXH3_64bits(buf.data(), buf.size());
    std::string out(kMacChars, '0');
    for (char& c : out) {
        c = kDigits[h % 36];
        h /= 36;
    }
    return out;
}

bool readKey(int fd, Key& key)
{
    size_t got = 0;
    while (got < kKeyBytes) {
        ssize_t n = ::read(fd, key.data() + got, kKeyBytes - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += size_t(n);
    }
    return true;
}

} // namespace

namespace {

constexpr std::string_view kAsidePrefix = ".ferry-old-";

std::string randomPart()
{
    thread_local std::mt19937_64 rng{std::random_device{}() ^ uint64_t(::getpid())};
    std::string part(kRandomChars, '0');
    for (char& c : part)
        c = kDigits[rng() % 36];
    return part;
}

std::string makeWith(std::string_view prefix)
{
    const std::string random = randomPart();
    return std::string(prefix) + random + mac(currentKey(), random);
}

bool verifies(std::string_view name, std::string_view prefix)
{
    if (name.size() != prefix.size() + kRandomChars + kMacChars || name.substr(0, prefix.size()) != prefix)
        return false;
    const std::string_view tail = name.substr(prefix.size());
    return mac(currentKey(), tail.substr(0, kRandomChars)) == tail.substr(kRandomChars);
}

// An aside that names its file: prefix, random, mac of (random + original), '-', original.
std::optional<std::string> verifiedOriginal(std::string_view name)
{
    const size_t head = kAsidePrefix.size() + kRandomChars + kMacChars;
    if (name.size() < head + 2 || name.substr(0, kAsidePrefix.size()) != kAsidePrefix || name[head] != '-')
        return std::nullopt;
    const std::string_view random = name.substr(kAsidePrefix.size(), kRandomChars);
    const std::string_view original = name.substr(head + 1);
    std::string signedPart(random);
    signedPart.append(original);
    if (mac(currentKey(), signedPart) != name.substr(kAsidePrefix.size() + kRandomChars, kMacChars))
        return std::nullopt;
    return std::string(original);
}

} // namespace

std::string make() { return makeWith(relpath::kTempPrefix); }

bool isOwn(std::string_view name)
{
    if (!relpath::isFerryTemp(name))
        return false;
    return verifies(name, relpath::kTempPrefix);
}

std::string makeAside(std::string_view original, size_t maxNameBytes)
{
    const std::string random = randomPart();
    const size_t length = kAsidePrefix.size() + kRandomChars + kMacChars + 1 + original.size();
    if (original.empty() || length > maxNameBytes)
        return std::string(kAsidePrefix) + random + mac(currentKey(), random);
    std::string signedPart = random;
    signedPart.append(original);
    return std::string(kAsidePrefix) + random + mac(currentKey(), signedPart) + "-" + std::string(original);
}

bool isOwnAside(std::string_view name) { return verifies(name, kAsidePrefix) || verifiedOriginal(name).has_value(); }

std::optional<std::string> asideOriginal(std::string_view name) { return verifiedOriginal(name); }

std::string keyPathIn(const std::string& dataDir) { return dataDir + "/temp-key"; }

std::string keyDataDir()
{
    std::lock_guard lock(holder().mutex);
    return holder().dataDir;
}

Result<void> loadTempKey(const std::string& dataDir)
{
    const std::string path = keyPathIn(dataDir);
    const char* next = "Check that Ferry's data folder exists and may be written (set FERRY_DATA_DIR to use another)";
    if (!QDir().mkpath(QString::fromStdString(dataDir)))
        return Error::skipItem("create folder", dataDir, "could not be created", next);
    Key key;
    for (int attempt = 0; attempt < 2; ++attempt) {
        int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            const bool ok = readKey(fd, key);
            ::close(fd);
            if (!ok)
                return Error::skipItem("read", path, "the key of Ferry's temporary files is damaged",
                                       "Delete this file; Ferry makes a new one (leftovers of interrupted runs are "
                                       "then kept as ordinary files)");
            std::lock_guard lock(holder().mutex);
            holder().key = key;
            holder().dataDir = dataDir;
            return Ok{};
        }
        if (errno != ENOENT)
            return errnoError("read", path, errno);
        // First use: write a complete key under a private name, then link it
        // into place, so a process starting at the same time reads a whole
        // key (its own or ours), never half of one.
        const std::string partial = path + "." + std::to_string(::getpid()) + ".new";
        int out = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
            return errnoError("create", partial, errno);
        const Key fresh = randomKey();
        const bool written = ::write(out, fresh.data(), fresh.size()) == ssize_t(fresh.size()) && ::fsync(out) == 0;
        int err = written ? 0 : (errno ? errno : EIO);
        ::close(out);
        if (written && ::link(partial.c_str(), path.c_str()) != 0)
            err = errno;
        ::unlink(partial.c_str());
        if (!written)
            return errnoError("write", partial, err);
        if (err != 0 && err != EEXIST)
            return errnoError("create", path, err);
        // Linked, or another process won the race: read what is there.
    }
    return Error::skipItem("read", path, "the key file keeps changing", next);
}

} // namespace ferry::tempname
