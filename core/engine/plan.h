// Plan: what a run will do, as a value. Every action carries the rule that
// produced it and the arguments that say what was compared (worded only
// where shown: engine/reasons.h). The preview shows
// it, the user may exclude rows or flip directions, and the Executor runs
// exactly this Plan. Copyable; safe to pass across threads.
#pragma once

#include "model/reason.h"
#include "model/settings.h"
#include "model/snapshot.h"

#include <memory>
#include <optional>
#include <string>
#include <cstdint>
#include <vector>

namespace ferry {

// Side, Op and Resolution are in model/reason.h (the history shares them).

// One side's details in an action: a pointer into a Snapshot that the Plan
// keeps alive (what the reconciler makes: 8 bytes per side instead of a
// 56-byte copy), or an owned copy (actions built by hand). Reads like
// std::optional<EntryInfo>.
class InfoRef {
public:
    InfoRef() = default;
    InfoRef(std::nullopt_t) {}
    InfoRef(const EntryInfo& v) : m_bits(reinterpret_cast<uintptr_t>(new EntryInfo(v)) | 1) {}
    static InfoRef borrow(const EntryInfo* p)
    {
        InfoRef r;
        r.m_bits = reinterpret_cast<uintptr_t>(p);
        return r;
    }
    InfoRef(const InfoRef& o) : m_bits(o.owned() ? InfoRef(*o).release() : o.m_bits) {}
    InfoRef(InfoRef&& o) noexcept : m_bits(o.release()) {}
    InfoRef& operator=(const InfoRef& o)
    {
        if (this != &o)
            *this = InfoRef(o);
        return *this;
    }
    InfoRef& operator=(InfoRef&& o) noexcept
    {
        if (this != &o) {
            reset();
            m_bits = o.release();
        }
        return *this;
    }
    ~InfoRef() { reset(); }

    void reset()
    {
        if (owned())
            delete get();
        m_bits = 0;
    }
    bool has_value() const { return m_bits != 0; }
    explicit operator bool() const { return m_bits != 0; }
    const EntryInfo* get() const { return reinterpret_cast<const EntryInfo*>(m_bits & ~uintptr_t(1)); }
    const EntryInfo& operator*() const { return *get(); }
    const EntryInfo* operator->() const { return get(); }
    bool operator==(const InfoRef& o) const
    {
        return has_value() == o.has_value() && (!has_value() || *get() == *o.get());
    }

private:
    bool owned() const { return m_bits & 1; }
    uintptr_t release()
    {
        uintptr_t b = m_bits;
        m_bits = 0;
        return b;
    }
    static_assert(alignof(EntryInfo) >= 2, "the low bit of the pointer marks an owned copy");
    uintptr_t m_bits = 0;
};

// The rarely filled texts of an action, kept apart so that a plan of a
// million copies does not carry five empty strings per row.
struct ActionText {
    std::string fromPath;       // Rename: the old path on the target side
    std::string sourcePath;     // Copy: the path on the source side when it differs (Unicode form or case)
    std::string basePath;       // the base row this action supersedes, when its path differs
    std::optional<ReasonArgs> reasonArgs;   // the rule's arguments beyond the entries (rare rules only)
    std::shared_ptr<const Reason> flippedFrom; // "user-flipped": the reason before the turn
    std::string conflictName;   // KeepBoth: the loser's new path
    bool operator==(const ActionText&) const = default;
};

struct Action {
    Op op = Op::Copy;
    Side target = Side::Right;
    EntryKind kind = EntryKind::File;
    Resolution resolution = Resolution::Pending;
    Side loser = Side::Right;   // KeepBoth: whose version is renamed
    bool excluded = false;      // unticked by the user in the preview: not executed
    ReasonForm reasonForm = ReasonForm::Plain; // which wording of the rule (fits the padding)
    std::string path;           // the item's path (on the target for Copy/Delete; the new path for Rename)
    std::string_view rule;      // short rule id, e.g. "left-changed" (a string literal); with
                                // reasonForm, the entries and reasonArgs(), the reason
    InfoRef left;               // the item as scanned on the left (for re-checks and the preview)
    InfoRef right;

    const std::string& fromPath() const { return m_text ? m_text->fromPath : empty(); }
    const std::string& sourcePath() const { return m_text ? m_text->sourcePath : empty(); }
    const std::string& basePath() const { return m_text ? m_text->basePath : empty(); }
    const ReasonArgs* reasonArgs() const { return m_text && m_text->reasonArgs ? &*m_text->reasonArgs : nullptr; }
    const std::string& conflictName() const { return m_text ? m_text->conflictName : empty(); }
    const Reason* flippedFrom() const { return m_text ? m_text->flippedFrom.get() : nullptr; }
    ActionText& text()
    {
        if (!m_text)
            m_text = std::make_unique<ActionText>();
        return *m_text;
    }

    Action() = default;
    Action(const Action& o) : Action() { *this = o; }
    Action(Action&&) noexcept = default;
    Action& operator=(const Action& o);
    Action& operator=(Action&&) noexcept = default;
    bool operator==(const Action& o) const;
    int64_t bytes() const;

private:
    static const std::string& empty();
    std::unique_ptr<ActionText> m_text;
};

// Preview edits. flipDirection() turns an action around: a copy becomes a
// copy the other way (or, when the target has no such item, a deletion on
// the source side); a deletion of an item the other side lacks becomes a
// copy to the other side; a time fix is set the other way. Renames, folder
// items and conflicts are not flipped (exclude them, or pick a conflict's
// resolution). Returns false when the action was left as it was.
bool canFlip(const Action& a);
bool flipDirection(Action& a);

struct PlanProblem {
    std::string path;
    std::string message;    // what is wrong and what to do next
    std::string operation = "check name"; // what was refused, as a run error names it
    bool operator==(const PlanProblem&) const = default;
};

struct Plan {
    SyncMode mode = SyncMode::TwoWay;
    std::vector<Action> actions;
    std::vector<PlanProblem> problems;     // names that cannot exist on the other side, duplicates…
    std::vector<std::pair<Side, std::string>> needHashes; // filled when a decision needs content hashes
    int64_t leftCount = 0;   // entries on each side (for the deletion guard)
    int64_t rightCount = 0;
    // The snapshots that the actions' InfoRefs point into.
    std::shared_ptr<const Snapshot> leftSnapshot, rightSnapshot;
    // Equal actions and problems; which snapshots they point into does not matter.
    bool operator==(const Plan& o) const
    {
        return mode == o.mode && actions == o.actions && problems == o.problems && needHashes == o.needHashes &&
               leftCount == o.leftCount && rightCount == o.rightCount;
    }

    int count(Op op, Side target) const;
    int deletions(Side target) const;
    int pendingConflicts() const;
    int64_t bytesToCopy() const;
    bool hasWork() const;
};

} // namespace ferry
