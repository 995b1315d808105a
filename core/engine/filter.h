// Filter: gitignore-style exclusion globs.
//   - a pattern without '/' matches a name at any depth ("*.tmp", "node_modules")
//   - a pattern with '/' matches the relative path from the root ("build/out", "/docs/*.pdf")
//   - '**' spans folders ("**/cache", "logs/**", "a/**/b"); '*' and '?' stay within a name;
//     "[abc]" and "[a-z]" are character classes
//   - a trailing '/' matches only folders ("tmp/")
// An excluded folder excludes everything below it. Pure value type.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry {

class Filter {
public:
    Filter() = default;
    explicit Filter(const std::vector<std::string>& excludes);
    // Does a pattern exclude this item itself (ancestors not checked)?
    bool excludesItem(std::string_view path, bool isDir) const;
    // Is this item or any folder above it excluded?
    bool excludes(std::string_view path, bool isDir) const;
    bool empty() const { return m_rules.empty(); }
    const std::vector<std::string>& patterns() const { return m_patterns; }
    bool operator==(const Filter& o) const { return m_patterns == o.m_patterns; }

private:
    struct Rule {
        std::string glob;
        bool dirOnly = false;
        bool anchored = false;
    };
    std::vector<Rule> m_rules;
    std::vector<std::string> m_patterns;
};

// Glob match with '*', '?', '[...]' and '**' (see Filter). Exposed for tests.
bool globMatch(std::string_view pattern, std::string_view text);

} // namespace ferry
