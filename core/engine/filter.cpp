#include "filter.h"

#include "common/relpath.h"

namespace ferry {

namespace {

// Matches a character class at pattern[0] == '['. Returns the length of the
// class in the pattern, or 0 if it is not a well-formed class.
size_t matchClass(std::string_view p, char c, bool& matched)
{
    size_t i = 1;
    bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
    if (negate)
        ++i;
    bool hit = false;
    bool first = true;
    while (i < p.size() && (p[i] != ']' || first)) {
        first = false;
        char lo = p[i];
        if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
            if (c >= lo && c <= p[i + 2])
                hit = true;
            i += 3;
        } else {
            if (c == lo)
                hit = true;
            ++i;
        }
    }
    if (i >= p.size())
        return 0;
    matched = hit != negate;
    return i + 1;
}

bool match(std::string_view p, std::string_view t)
{
    while (!p.empty()) {
        if (p.substr(0, 2) == "**") {
            std::string_view rest = p.substr(2);
            // "**/" may match zero folders: "a/**/b" matches "a/b".
            if (!rest.empty() && rest[0] == '/') {
                if (match(rest.substr(1), t))
                    return true;
            }
            for (size_t i = 0; i <= t.size(); ++i)
                if (match(rest, t.substr(i)))
                    return true;
            return false;
        }
        char pc = p[0];
        if (pc == '*') {
            std::string_view rest = p.substr(1);
            for (size_t i = 0; i <= t.size(); ++i) {
                if (match(rest, t.substr(i)))
                    return true;
                if (i < t.size() && t[i] == '/')
                    break;
            }
            return false;
        }
        if (t.empty())
            return false;
        if (pc == '?') {
            if (t[0] == '/')
                return false;
            p.remove_prefix(1);
            t.remove_prefix(1);
            continue;
        }
        if (pc == '[') {
            bool matched = false;
            size_t len = matchClass(p, t[0], matched);
            if (len > 0) {
                if (!matched || t[0] == '/')
                    return false;
                p.remove_prefix(len);
                t.remove_prefix(1);
                continue;
            }
        }
        if (pc == '\\' && p.size() > 1) {
            p.remove_prefix(1);
            pc = p[0];
        }
        if (pc != t[0])
            return false;
        p.remove_prefix(1);
        t.remove_prefix(1);
    }
    return t.empty();
}

} // namespace

bool globMatch(std::string_view pattern, std::string_view text) { return match(pattern, text); }

Filter::Filter(const std::vector<std::string>& excludes) : m_patterns(excludes)
{
    for (std::string p : excludes) {
        Rule r;
        while (!p.empty() && p.back() == '/') {
            r.dirOnly = true;
            p.pop_back();
        }
        if (p.empty())
            continue;
        if (p.rfind("./", 0) == 0)
            p.erase(0, 2);
        if (p[0] == '/') {
            r.anchored = true;
            p.erase(0, 1);
        } else if (p.find('/') != std::string::npos) {
            r.anchored = true;
        }
        r.glob = p;
        m_rules.push_back(std::move(r));
    }
}

bool Filter::excludesItem(std::string_view path, bool isDir) const
{
    for (const Rule& r : m_rules) {
        if (r.dirOnly && !isDir)
            continue;
        if (r.anchored ? match(r.glob, path) : match(r.glob, relpath::name(path)))
            return true;
    }
    return false;
}

bool Filter::excludes(std::string_view path, bool isDir) const
{
    if (m_rules.empty())
        return false;
    if (excludesItem(path, isDir))
        return true;
    for (std::string_view up = relpath::parent(path); !up.empty(); up = relpath::parent(up))
        if (excludesItem(up, true))
            return true;
    return false;
}

} // namespace ferry
