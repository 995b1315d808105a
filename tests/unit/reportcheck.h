// Helpers for tests that run a whole sync: what a report says, in words
// for a failing check, and how many items of a tree hold some content.
#pragma once

#include "engine/reasons.h"
#include "engine/stoptext.h"
#include "engine/syncrun.h"

#include <map>
#include <string>

namespace ferry::test {

// A safety stop in ferry-cli's words; empty when none stopped the run.
inline std::string guardText(const SyncReport& r) { return r.stop ? stopSentence(*r.stop) : std::string(); }

// The stop or fatal message and every error: why a run did not end as a
// test expected.
inline std::string describe(const SyncReport& r)
{
    std::string s = r.fatalMessage + guardText(r);
    for (const Error& e : r.errors)
        s += "\n" + e.message();
    return s;
}

// describe() and every planned action with its reason. (Not for names of
// hundreds of bytes: Catch2 2.13's console reporter can loop while it wraps
// a very long word.)
inline std::string describeWithPlan(const SyncReport& r)
{
    std::string s = describe(r);
    for (const Action& a : r.plan.actions)
        s += std::string("\n  plan: ") + opName(a.op) + " " + sideName(a.target) + " '" + a.path + "'" +
             (a.fromPath().empty() ? "" : " from '" + a.fromPath() + "'") + ": " + reasonFor(a);
    return s;
}

// How many paths of `tree` (path -> "f:<content>", "d", "l:<target>") hold `what`.
inline int countHolding(const std::map<std::string, std::string>& tree, const std::string& what)
{
    int n = 0;
    for (const auto& [path, held] : tree)
        n += held == what;
    return n;
}

} // namespace ferry::test
