#include "filter.h"

#include "common/relpath.h"
#include "common/timens.h"

#include <initializer_list>

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

std::vector<Filter::Rule> Filter::parseRules(const std::vector<std::string>& patterns)
{
    std::vector<Rule> rules;
    for (std::string p : patterns) {
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
        rules.push_back(std::move(r));
    }
    return rules;
}

Filter::Filter(const std::vector<std::string>& excludes, const std::vector<std::string>& includes)
    : m_rules(parseRules(excludes)), m_includeRules(parseRules(includes)), m_patterns(excludes), m_includes(includes)
{
}

Filter Filter::withExclude(const std::string& pattern) const
{
    std::vector<std::string> ex = m_patterns;
    ex.push_back(pattern);
    return Filter(ex, m_includes);
}

bool Filter::matches(const std::vector<Rule>& rules, std::string_view path, bool isDir)
{
    for (const Rule& r : rules) {
        if (r.dirOnly && !isDir)
            continue;
        if (r.anchored ? match(r.glob, path) : match(r.glob, relpath::name(path)))
            return true;
    }
    return false;
}

bool Filter::included(std::string_view path) const
{
    if (matches(m_includeRules, path, false))
        return true;
    for (std::string_view up = relpath::parent(path); !up.empty(); up = relpath::parent(up))
        if (matches(m_includeRules, up, true))
            return true;
    return false;
}

bool Filter::excludesItem(std::string_view path, bool isDir) const
{
    if (matches(m_rules, path, isDir))
        return true;
    return !isDir && !m_includeRules.empty() && !included(path);
}

bool Filter::excludes(std::string_view path, bool isDir) const
{
    if (empty())
        return false;
    if (excludesItem(path, isDir))
        return true;
    for (std::string_view up = relpath::parent(path); !up.empty(); up = relpath::parent(up))
        if (matches(m_rules, up, true))
            return true;
    return false;
}

namespace {

std::string_view trimmed(std::string_view t)
{
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t'))
        t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
        t.remove_suffix(1);
    return t;
}

// A non-negative decimal number ("12", "1.5") followed by a unit word.
bool splitNumber(std::string_view text, double& number, std::string& unit)
{
    text = trimmed(text);
    size_t i = 0;
    bool digits = false, dot = false;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c >= '0' && c <= '9')
            digits = true;
        else if (c == '.' && !dot)
            dot = true;
        else
            break;
    }
    if (!digits)
        return false;
    number = std::stod(std::string(text.substr(0, i)));
    unit.clear();
    for (char c : trimmed(text.substr(i)))
        unit += char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return true;
}

struct Unit {
    const char* names; // space-separated spellings, lower case ("" is the bare number)
    double factor;
};

// A number with one of the units' spellings → the number × that unit, rounded.
std::optional<int64_t> parseWithUnits(std::string_view text, std::initializer_list<Unit> units, double limit)
{
    double n = 0;
    std::string unit;
    if (!splitNumber(text, n, unit))
        return std::nullopt;
    for (const Unit& u : units) {
        std::string_view names = u.names;
        for (size_t start = 0; start <= names.size();) {
            size_t end = names.find(' ', start);
            if (end == std::string_view::npos)
                end = names.size();
            if (names.substr(start, end - start) == unit) {
                const double value = n * u.factor;
                if (value > limit)
                    return std::nullopt;
                return int64_t(value + 0.5);
            }
            start = end + 1;
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<int64_t> parseByteSize(std::string_view text)
{
    constexpr double k = 1024.0;
    return parseWithUnits(text,
                          {{" b byte bytes", 1}, {"k kb kib", k}, {"m mb mib", k * k}, {"g gb gib", k * k * k},
                           {"t tb tib", k * k * k * k}},
                          9.0e18);
}

std::optional<int64_t> parseDuration(std::string_view text)
{
    return parseWithUnits(text,
                          {{" s sec second seconds", 1}, {"m min minute minutes", 60}, {"h hour hours", 3600},
                           {"d day days", 86400}, {"w week weeks", 7 * 86400}},
                          1.0e12);
}

} // namespace ferry
