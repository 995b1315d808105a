// Filter: gitignore-style exclusion globs.
//   - a pattern without '/' matches a name at any depth ("*.tmp", "node_modules")
//   - a pattern with '/' matches the relative path from the root ("build/out", "/docs/*.pdf")
//   - '**' spans folders ("**/cache", "logs/**", "a/**/b"); '*' and '?' stay within a name;
//     "[abc]" and "[a-z]" are character classes
//   - a trailing '/' matches only folders ("tmp/")
// An excluded folder excludes everything below it.
//
// Include patterns (same syntax) narrow a sync to what they name: when there
// are any, a file or link is in scope only if a pattern matches it or a
// folder above it. Folders themselves are always kept, so matching files
// have a place to go and a folder never looks deleted because it holds no
// match; exclusions still win over inclusions. Pure value type.
//
// ItemLimits (size and age) are not applied while scanning: a file that grew
// past a limit on one side must not look deleted there. The reconciler
// leaves a path alone when either side holds a file outside the limits.
#pragma once

#include "model/settings.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

class Filter {
public:
    Filter() = default;
    explicit Filter(const std::vector<std::string>& excludes, const std::vector<std::string>& includes = {});
    // Is this item out of scope by itself: excluded by a pattern, or a file
    // that no include pattern covers (the folders above are not checked for
    // exclusion; the scanner never descends into an excluded folder)?
    bool excludesItem(std::string_view path, bool isDir) const;
    // Is this item or any folder above it out of scope?
    bool excludes(std::string_view path, bool isDir) const;
    bool empty() const { return m_rules.empty() && m_includeRules.empty(); }
    const std::vector<std::string>& patterns() const { return m_patterns; }
    const std::vector<std::string>& includePatterns() const { return m_includes; }
    // The same filter with one more exclusion pattern.
    Filter withExclude(const std::string& pattern) const;
    bool operator==(const Filter& o) const { return m_patterns == o.m_patterns && m_includes == o.m_includes; }

private:
    struct Rule {
        std::string glob;
        bool dirOnly = false;
        bool anchored = false;
    };
    static std::vector<Rule> parseRules(const std::vector<std::string>& patterns);
    static bool matches(const std::vector<Rule>& rules, std::string_view path, bool isDir);
    bool included(std::string_view path) const;
    std::vector<Rule> m_rules;
    std::vector<Rule> m_includeRules;
    std::vector<std::string> m_patterns;
    std::vector<std::string> m_includes;
};

// "0", "512", "10k", "10 KB", "1.5M", "2GiB" → bytes (powers of 1024).
std::optional<int64_t> parseByteSize(std::string_view text);
// "0", "90", "90s", "15m", "12h", "30d", "2w" → seconds (plain numbers are seconds).
std::optional<int64_t> parseDuration(std::string_view text);

// Glob match with '*', '?', '[...]' and '**' (see Filter). Exposed for tests.
bool globMatch(std::string_view pattern, std::string_view text);

} // namespace ferry
