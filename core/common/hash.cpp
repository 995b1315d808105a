#include "hash.h"

#include <cstdio>
#include <vector>
#include <xxhash.h>

namespace ferry {

std::string ContentHash::hex() const
{
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                  static_cast<unsigned long long>(lo));
    return buf;
}

std::optional<ContentHash> ContentHash::fromHex(const std::string& s)
{
    if (s.size() != 32)
        return std::nullopt;
    ContentHash h;
    try {
        h.hi = std::stoull(s.substr(0, 16), nullptr, 16);
        h.lo = std::stoull(s.substr(16), nullptr, 16);
    } catch (...) {
        return std::nullopt;
    }
    return h;
}

struct StreamHasher::State {
    XXH3_state_t* st = XXH3_createState();
    ~State() { XXH3_freeState(st); }
};

StreamHasher::StreamHasher() : m_state(std::make_unique<State>()) { XXH3_128bits_reset(m_state->st); }
StreamHasher::~StreamHasher() = default;
void StreamHasher::update(const void* data, size_t len) { XXH3_128bits_update(m_state->st, data, len); }
ContentHash StreamHasher::digest() const
{
    XXH128_hash_t h = XXH3_128bits_digest(m_state->st);
    return {h.low64, h.high64};
}

ContentHash hashBytes(std::string_view bytes)
{
    XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
    return {h.low64, h.high64};
}

} // namespace ferry
