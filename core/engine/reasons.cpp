#include "reasons.h"

#include <cstdio>
#include <ctime>

namespace ferry {

namespace {
struct tm utc(int64_t ns)
{
    time_t secs = time_t(ns / 1000000000);
    if (ns < 0 && ns % 1000000000)
        --secs;
    struct tm t {};
#ifdef _WIN32
    gmtime_s(&t, &secs);
#else
    gmtime_r(&secs, &t);
#endif
    return t;
}
} // namespace

std::string formatTime(int64_t ns)
{
    struct tm t = utc(ns);
    char buf[64];
    int64_t frac = ns % 1000000000;
    if (frac < 0)
        frac += 1000000000;
    if (frac)
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                      t.tm_hour, t.tm_min, t.tm_sec, int(frac / 1000000));
    else
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                      t.tm_hour, t.tm_min, t.tm_sec);
    return buf;
}

std::string formatStamp(int64_t ns)
{
    struct tm t = utc(ns);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d%02d%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                  t.tm_min, t.tm_sec);
    return buf;
}

std::string describeEntry(const Entry& e)
{
    switch (e.kind) {
    case EntryKind::Directory: return "folder";
    case EntryKind::Symlink: return "symlink";
    case EntryKind::Special: return "special file";
    case EntryKind::File: break;
    }
    return "file, " + std::to_string(e.size) + " bytes, modified " + formatTime(e.mtimeNs);
}

std::string describePair(const Entry& l, const Entry& r)
{
    if (l.kind == EntryKind::File && r.kind == EntryKind::File) {
        std::string s = std::to_string(l.size) + " bytes";
        if (l.hasHash && r.hasHash)
            s += ", same content hash";
        else
            s += ", modified " + formatTime(l.mtimeNs) + " / " + formatTime(r.mtimeNs);
        return s;
    }
    return describeEntry(l) + " / " + describeEntry(r);
}

std::string describeTimeChange(int64_t before, int64_t after)
{
    return "modified " + formatTime(before) + " → " + formatTime(after);
}

std::string describeEntryChange(const BaseEntry* b, const Entry* e, Side side)
{
    if (!e)
        return "deleted";
    if (!b)
        return "new " + describeEntry(*e);
    if (b->kind != e->kind)
        return std::string("was a ") + kindName(b->kind) + ", now a " + kindName(e->kind);
    if (e->kind != EntryKind::File)
        return std::string(kindName(e->kind)) + " changed";
    std::string s;
    if (b->size != e->size)
        s = "size " + std::to_string(b->size) + " → " + std::to_string(e->size) + ", ";
    int64_t bt = side == Side::Left ? b->leftMtimeNs : b->rightMtimeNs;
    s += describeTimeChange(bt, e->mtimeNs);
    if (b->size == e->size && b->hasHash && e->hasHash && b->hash != e->hash)
        s += ", content hash differs";
    return s;
}

} // namespace ferry
