#include "backend/backend.h"

#include <charconv>

namespace ferry {

std::string RootIdentity::text() const
{
    return std::to_string(device) + ":" + std::to_string(fileId) + ":" + std::to_string(birthNs) + ":" +
           std::to_string(generation);
}

std::optional<RootIdentity> RootIdentity::fromText(const std::string& s)
{
    RootIdentity id;
    const char* p = s.data();
    const char* end = s.data() + s.size();
    auto field = [&](auto& out, bool last) {
        auto r = std::from_chars(p, end, out);
        if (r.ec != std::errc{})
            return false;
        p = r.ptr;
        if (last)
            return p == end;
        if (p == end || *p != ':')
            return false;
        ++p;
        return true;
    };
    if (!field(id.device, false))
        return std::nullopt;
    // The form written before birth times were kept: "device:fileId".
    if (std::from_chars(p, end, id.fileId).ptr == end) {
        id.known = true;
        return id;
    }
    if (!field(id.fileId, false) || !field(id.birthNs, false) || !field(id.generation, true))
        return std::nullopt;
    id.known = true;
    return id;
}

bool RootIdentity::sameFolderAs(const RootIdentity& recorded) const
{
    if (device != recorded.device || fileId != recorded.fileId)
        return false;
    if (birthNs && recorded.birthNs && birthNs != recorded.birthNs)
        return false;
    return !(generation && recorded.generation && generation != recorded.generation);
}

} // namespace ferry
