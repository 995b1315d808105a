// Backend's default traversal (serial, on list()) and the timeout error.
#include "backend/backend.h"

#include "common/relpath.h"

#include <algorithm>

namespace ferry {

Error callTimedOut(const std::string& op, const std::string& path, std::chrono::milliseconds timeout)
{
    return Error::retry(op, path,
                        "no answer within " + std::to_string(timeout.count()) + " ms; the connection was dropped",
                        "Check the network and that the server is up, then run the sync again");
}

std::vector<uint32_t> walkOrder(const std::vector<ListedItem>& items)
{
    std::vector<std::string_view> names;
    names.reserve(items.size());
    std::vector<uint32_t> order(items.size());
    for (uint32_t i = 0; i < order.size(); ++i) {
        order[i] = i;
        names.push_back(relpath::name(items[i].entry.path));
    }
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
    return order;
}

Result<void> walkListedAhead(const std::string& dir, WalkVisitor& visitor, const TakeListing& take,
                             const std::function<void(std::vector<std::string>)>& schedule)
{
    struct Frame {
        std::vector<ListedItem> items;
        std::vector<uint32_t> order;
        std::vector<bool> entered; // by item: a folder the visitor accepted
        size_t next = 0;
    };
    std::vector<Frame> stack;
    std::optional<Error> ended;
    auto open = [&](const std::string& folder) {
        auto listed = take(folder, ended);
        if (!listed)
            return false;
        if (!*listed) {
            visitor.unreadable(folder, listed->error());
            return true;
        }
        Frame frame{std::move(**listed), {}, {}, 0};
        frame.order = walkOrder(frame.items);
        frame.entered.assign(frame.items.size(), false);
        std::vector<std::string> next;
        for (uint32_t i : frame.order) {
            const Entry& e = frame.items[i].entry;
            if (e.isDir() && visitor.enter(e)) {
                frame.entered[i] = true;
                next.push_back(e.path);
            }
        }
        schedule(std::move(next));
        stack.push_back(std::move(frame));
        return true;
    };
    if (!open(dir))
        return *ended;
    while (!stack.empty()) {
        Frame& frame = stack.back();
        if (frame.next == frame.items.size()) {
            stack.pop_back();
            continue;
        }
        const uint32_t i = frame.order[frame.next++];
        ListedItem& item = frame.items[i];
        const bool isFolder = item.entry.isDir();
        if (isFolder && !frame.entered[i])
            continue;
        std::string folder = isFolder ? item.entry.path : std::string();
        if (!visitor.visit(item))
            return Ok{};
        if (isFolder && !open(folder)) // may move `frame`
            return *ended;
    }
    return Ok{};
}

Result<void> Backend::walk(const std::string& dir, WalkVisitor& visitor)
{
    // Depth first, each folder's items in byte order of their names: that is
    // exactly pathLess order ('/' sorts first, so a folder's subtree comes
    // right after it). Siblings share their folder's path, so they are
    // ordered by name alone, through an index: the items are not moved.
    struct Frame {
        std::vector<ListedItem> items;
        std::vector<uint32_t> order;
        size_t next = 0;
    };
    std::vector<Frame> stack;
    // False when the walk must end: the connection is gone or the call was
    // cancelled (then `ended` holds why).
    std::optional<Error> ended;
    auto open = [&](const std::string& folder) {
        auto listed = list(folder);
        if (!listed) {
            if (listed.error().kind == Error::Kind::Cancelled || connectionLost()) {
                ended = listed.error();
                return false;
            }
            visitor.unreadable(folder, listed.error());
            return true;
        }
        std::vector<uint32_t> order = walkOrder(*listed);
        stack.push_back(Frame{std::move(*listed), std::move(order), 0});
        return true;
    };
    if (!open(dir))
        return *ended;
    while (!stack.empty()) {
        Frame& frame = stack.back();
        if (frame.next == frame.items.size()) {
            stack.pop_back();
            continue;
        }
        ListedItem& item = frame.items[frame.order[frame.next++]];
        const bool isFolder = item.entry.isDir();
        if (isFolder && !visitor.enter(item.entry))
            continue;
        std::string folder = isFolder ? item.entry.path : std::string(); // visit() may move from `item`
        if (!visitor.visit(item))
            return Ok{};
        // `frame` and `item` are not used after this: open() may move them.
        if (isFolder && !open(folder))
            return *ended;
    }
    return Ok{};
}

} // namespace ferry
