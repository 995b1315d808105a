// Content hashing (xxHash XXH3-128, from Debian's libxxhash): fast enough to
// run inside the copy loop, so the base learns each file's hash for free.
#pragma once

#include "common/canceltoken.h"
#include "common/error.h"
#include "engine/snapshot.h"

#include <memory>
#include <string_view>

namespace ferry {

class ReadStream;

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

Result<ContentHash> hashStream(ReadStream& in, const std::string& path, const CancelToken& cancel);

} // namespace ferry
