#include "hash.h"

#include "backend/backend.h"

#include <vector>
#include <xxhash.h>

namespace ferry {

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

Result<ContentHash> hashStream(ReadStream& in, const std::string& path, const CancelToken& cancel)
{
    StreamHasher hasher;
    std::vector<char> buf(1 << 20);
    for (;;) {
        if (cancel.isCancelled())
            return Error::cancelled();
        auto n = in.read(buf.data(), buf.size());
        if (!n) {
            Error e = n.error();
            e.path = path;
            return e;
        }
        if (*n == 0)
            return hasher.digest();
        hasher.update(buf.data(), *n);
    }
}

} // namespace ferry
