// Content hashing (xxHash XXH3-128, from Debian's libxxhash): fast enough to
// run inside the copy loop, so the base learns each file's hash for free.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

struct ContentHash {
    uint64_t lo = 0;
    uint64_t hi = 0;
    bool operator==(const ContentHash&) const = default;
    std::string hex() const;
    static std::optional<ContentHash> fromHex(const std::string& s);
};

ContentHash hashBytes(std::string_view bytes);

class StreamHasher {
public:
    StreamHasher();
    ~StreamHasher();
    void update(const void* data, size_t len);
    ContentHash digest() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace ferry
