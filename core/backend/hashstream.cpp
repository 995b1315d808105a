#include "hashstream.h"

#include <vector>

namespace ferry {

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
