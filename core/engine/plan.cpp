#include "plan.h"

#include "engine/reasons.h"

namespace ferry {

bool canFlip(const Action& a)
{
    if (a.kind == EntryKind::Directory)
        return false;
    switch (a.op) {
    case Op::Copy: return true;
    case Op::SetTime: return a.left && a.right;
    case Op::Delete: {
        const InfoRef& other = a.target == Side::Left ? a.right : a.left;
        const InfoRef& there = a.target == Side::Left ? a.left : a.right;
        return there && !other;
    }
    default: return false;
    }
}

bool flipDirection(Action& a)
{
    if (!canFlip(a))
        return false;
    auto was = std::make_shared<const Reason>(reasonOf(a));
    const Side source = otherSide(a.target);
    const InfoRef& dst = a.target == Side::Left ? a.left : a.right;
    const std::string sourcePath = a.sourcePath().empty() ? a.path : a.sourcePath();
    const std::string targetPath = a.path;
    if (a.op == Op::Copy && !dst) {
        // Nothing to copy back: undoing the addition deletes it at its source.
        a.op = Op::Delete;
        a.target = source;
        a.path = sourcePath;
        if (!a.sourcePath().empty())
            a.text().sourcePath.clear();
    } else if (a.op == Op::Delete) {
        a.op = Op::Copy;
        a.target = otherSide(a.target);
        // The item keeps its path; it is created on the other side.
    } else { // Copy both ways present, or SetTime
        a.target = source;
        a.path = sourcePath;
        if (sourcePath != targetPath)
            a.text().sourcePath = targetPath;
        else if (!a.sourcePath().empty())
            a.text().sourcePath.clear();
    }
    a.rule = "user-flipped";
    a.reasonForm = ReasonForm::Plain;
    a.text().reasonArgs.reset();
    a.text().flippedFrom = std::move(was);
    return true;
}

const std::string& Action::empty()
{
    static const std::string none;
    return none;
}

Action& Action::operator=(const Action& o)
{
    if (this == &o)
        return *this;
    op = o.op;
    target = o.target;
    kind = o.kind;
    resolution = o.resolution;
    loser = o.loser;
    excluded = o.excluded;
    reasonForm = o.reasonForm;
    path = o.path;
    rule = o.rule;
    left = o.left;
    right = o.right;
    m_text = o.m_text ? std::make_unique<ActionText>(*o.m_text) : nullptr;
    return *this;
}

namespace {
bool sameArgs(const Action& a, const Action& b)
{
    const ReasonArgs* x = a.reasonArgs();
    const ReasonArgs* y = b.reasonArgs();
    if (!x || !y) {
        if (x != y)
            return false;
    } else if (!(*x == *y)) {
        return false;
    }
    const Reason* p = a.flippedFrom();
    const Reason* q = b.flippedFrom();
    return p == q || (p && q && *p == *q);
}
} // namespace

bool Action::operator==(const Action& o) const
{
    return op == o.op && target == o.target && kind == o.kind && resolution == o.resolution && loser == o.loser &&
           excluded == o.excluded && reasonForm == o.reasonForm && path == o.path && rule == o.rule && left == o.left && right == o.right &&
           fromPath() == o.fromPath() && sourcePath() == o.sourcePath() && basePath() == o.basePath() &&
           conflictName() == o.conflictName() && sameArgs(*this, o);
}

int64_t Action::bytes() const
{
    if (op == Op::Copy) {
        const auto& src = target == Side::Right ? left : right;
        return src && src->kind == EntryKind::File ? src->size : 0;
    }
    if (op == Op::Conflict && resolution != Resolution::Pending && resolution != Resolution::Informational) {
        int64_t b = 0;
        if (left && left->kind == EntryKind::File)
            b += left->size;
        if (right && right->kind == EntryKind::File)
            b += right->size;
        return b;
    }
    return 0;
}

int Plan::count(Op op, Side target) const
{
    int n = 0;
    for (const Action& a : actions)
        n += !a.excluded && a.op == op && a.target == target;
    return n;
}

int Plan::deletions(Side target) const { return count(Op::Delete, target); }

int Plan::pendingConflicts() const
{
    int n = 0;
    for (const Action& a : actions)
        n += a.op == Op::Conflict && (a.resolution == Resolution::Pending || a.excluded);
    return n;
}

int64_t Plan::bytesToCopy() const
{
    int64_t b = 0;
    for (const Action& a : actions)
        if (!a.excluded)
            b += a.bytes();
    return b;
}

bool Plan::hasWork() const
{
    for (const Action& a : actions)
        if (!a.excluded && a.op != Op::RecordBase && a.op != Op::ForgetBase)
            return true;
    return false;
}

} // namespace ferry
