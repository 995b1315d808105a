#include "relpath.h"

#include <QString>

#include <cstdint>
#include <cstring>

namespace ferry::relpath {

bool isValidName(std::string_view name)
{
    if (name.empty() || name == "." || name == "..")
        return false;
    for (char c : name)
        if (c == '/' || c == '\0')
            return false;
    return true;
}

bool isValidRelPath(std::string_view path)
{
    if (path.empty())
        return false;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos)
            slash = path.size();
        if (!isValidName(path.substr(start, slash - start)))
            return false;
        start = slash + 1;
    }
    return true;
}

std::string join(std::string_view dir, std::string_view name)
{
    std::string out;
    out.reserve(dir.size() + 1 + name.size());
    out.append(dir);
    if (!dir.empty())
        out.push_back('/');
    out.append(name);
    return out;
}

std::string_view parent(std::string_view path)
{
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}

std::string_view name(std::string_view path)
{
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool isInside(std::string_view path, std::string_view dir)
{
    if (dir.empty())
        return true;
    if (path.size() < dir.size() || path.compare(0, dir.size(), dir) != 0)
        return false;
    return path.size() == dir.size() || path[dir.size()] == '/';
}

int depth(std::string_view path)
{
    int d = path.empty() ? 0 : 1;
    for (char c : path)
        d += c == '/';
    return d;
}

bool isAscii(std::string_view s)
{
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        if (w & 0x8080808080808080ull)
            return false;
    }
    for (; i < s.size(); ++i)
        if (static_cast<unsigned char>(s[i]) >= 0x80)
            return false;
    return true;
}

bool isValidUtf8(std::string_view s)
{
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 99;
        if (extra == 99 || i + extra >= s.size() + (extra == 0))
            return false;
        for (size_t k = 1; k <= extra; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2)
                return false;
        i += extra + 1;
    }
    return true;
}

std::string toNfc(std::string_view s)
{
    if (isAscii(s) || !isValidUtf8(s))
        return std::string(s);
    return QString::fromUtf8(s.data(), qsizetype(s.size()))
        .normalized(QString::NormalizationForm_C)
        .toStdString();
}

std::string matchKey(std::string_view s, bool caseInsensitive)
{
    if (!caseInsensitive)
        return toNfc(s);
    if (isAscii(s)) {
        std::string out(s);
        for (char& c : out)
            if (c >= 'A' && c <= 'Z')
                c = char(c - 'A' + 'a');
        return out;
    }
    if (!isValidUtf8(s))
        return std::string(s);
    return QString::fromUtf8(s.data(), qsizetype(s.size()))
        .normalized(QString::NormalizationForm_C)
        .toCaseFolded()
        .toStdString();
}

bool isFerryTemp(std::string_view name)
{
    // Exactly Ferry's own pattern: the prefix and 16 characters of [0-9a-z].
    // A user's ".ferry-tmp-notes.txt" is an ordinary file.
    if (name.size() != kTempPrefix.size() + 16 || name.substr(0, kTempPrefix.size()) != kTempPrefix)
        return false;
    for (char c : name.substr(kTempPrefix.size()))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')))
            return false;
    return true;
}

} // namespace ferry::relpath
