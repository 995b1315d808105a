#include "reconciler.h"

#include "common/relpath.h"
#include "engine/reasons.h"

#include <algorithm>
#include <array>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace ferry {

namespace {

enum class Change { Absent, Unchanged, Created, Deleted, Modified, Touched };

// How the rows below a folder are treated after the folder's own decision.
enum class Override { None, Hold, ForceLeft, ForceRight, KeepChanged };

using Item = Snapshot::Item;
using BaseItem = BaseState::Item;

struct Row {
    std::string_view key;
    const Item* e[2] = {nullptr, nullptr};
    const BaseItem* b = nullptr;
    uint32_t overrides = 0; // index into Reconciler::m_overrides: the paths on each side after a rename
    bool held = false;
    bool dead = false;
};

bool isUnder(std::string_view key, std::string_view dir)
{
    return key.size() > dir.size() && key[dir.size()] == '/' && key.compare(0, dir.size(), dir) == 0;
}

bool changed(Change c) { return c == Change::Created || c == Change::Modified || c == Change::Deleted; }
bool isEdit(Change c) { return c == Change::Created || c == Change::Modified; }

int idx(Side s) { return s == Side::Left ? 0 : 1; }

bool validNameFor(std::string_view name, const Capabilities& caps, std::string& why)
{
    if (int(name.size()) > caps.maxNameBytes) {
        why = "the name is " + std::to_string(name.size()) + " bytes long; the target allows " +
              std::to_string(caps.maxNameBytes);
        return false;
    }
    if (caps.windowsNames) {
        for (unsigned char c : name) {
            if (c < 32 || std::string_view("<>:\"\\|?*").find(char(c)) != std::string_view::npos) {
                why = "the name contains a character the target file system refuses (< > : \" \\ | ? * or a control character)";
                return false;
            }
        }
        if (name.back() == '.' || name.back() == ' ') {
            why = "the name ends with a dot or a space, which the target file system refuses";
            return false;
        }
    }
    return true;
}

class Reconciler {
public:
    Reconciler(const Snapshot& l, const Snapshot& r, const BaseState& base, const SyncPolicy& pol)
        : m_base(base), m_pol(pol)
    {
        m_snap[0] = &l;
        m_snap[1] = &r;
        m_ci = l.caseInsensitive || r.caseInsensitive || pol.leftCaps.caseInsensitive || pol.rightCaps.caseInsensitive;
        m_foldsForms = m_ci || l.normalizationInsensitive || r.normalizationInsensitive ||
                       pol.leftCaps.normalizationInsensitive || pol.rightCaps.normalizationInsensitive;
        m_tol = std::max({pol.toleranceNs, l.timePrecisionNs, r.timePrecisionNs, pol.leftCaps.timePrecisionNs,
                          pol.rightCaps.timePrecisionNs, int64_t(0)});
        if (m_tol <= 1)
            m_tol = 0;
        m_plan.mode = pol.mode;
        m_plan.leftCount = int64_t(l.entries.size());
        m_plan.rightCount = int64_t(r.entries.size());
    }

    Plan run()
    {
        buildRows();
        markBlocked(Side::Left, m_pol.leftBlocked);
        markBlocked(Side::Right, m_pol.rightBlocked);
        if (m_pol.mode == SyncMode::TwoWay && !m_base.empty()) {
            unpairSplitForms();
            detectRenames();
        }
        // A first run (or a one-way run) turns most rows into actions:
        // allocate them once rather than growing by doubling, whose peak
        // holds the old and the new array at once.
        if (m_base.empty())
            m_plan.actions.reserve(m_rows.size());
        processRows();
        auto& h = m_plan.needHashes;
        std::sort(h.begin(), h.end());
        h.erase(std::unique(h.begin(), h.end()), h.end());
        return std::move(m_plan);
    }

private:
    const Snapshot* m_snap[2];
    const BaseState& m_base;
    const SyncPolicy& m_pol;
    Plan m_plan;
    bool m_ci = false;
    bool m_foldsForms = false; // a side folds Unicode forms (or case, which folds forms too)
    // Where neither side folds Unicode forms: the NFC key prefixes of names
    // that one side (or the base) holds in two forms. Below such a prefix
    // keys keep the name's exact bytes, so the two spellings stay two items.
    std::unordered_set<std::string> m_exactPrefixes;
    int64_t m_tol = 0;
    std::deque<std::string> m_owned;
    std::vector<Row> m_rows;
    std::unordered_set<std::string> m_blockedKeys;
    std::vector<std::array<const std::string*, 2>> m_overrides{{nullptr, nullptr}}; // [0]: none
    std::vector<std::pair<std::string_view, Override>> m_stack;
    // Rows that lost their base to unpairSplitForms(), by key: the base the
    // item had under another spelling of the name.
    std::unordered_map<std::string_view, const BaseItem*> m_formerBase;
    std::unordered_set<std::string> m_inventedNames; // keep-both names of this plan, by match key

    // ---- building rows ------------------------------------------------------

    // The key rows are matched by: NFC (and case folded where a side folds
    // case), so a name spelled NFD on one side and NFC on the other is one
    // item; but where neither side folds forms, a name held in two forms on
    // one side keeps its exact bytes (see m_exactPrefixes). Built name by
    // name, so a child's key always extends its folder's key.
    std::string matchKeyOf(std::string_view path) const
    {
        if (m_foldsForms || m_exactPrefixes.empty())
            return relpath::matchKey(path, m_ci);
        std::string key, nfcPrefix;
        for (size_t i = 0;;) {
            const size_t end = path.find('/', i);
            const std::string_view name = path.substr(i, end == std::string_view::npos ? end : end - i);
            const std::string nfc = relpath::toNfc(name);
            if (i > 0) {
                key += '/';
                nfcPrefix += '/';
            }
            nfcPrefix += nfc;
            if (m_exactPrefixes.count(nfcPrefix))
                key.append(name);
            else
                key += nfc;
            if (end == std::string_view::npos)
                return key;
            i = end + 1;
        }
    }

    // Two paths of one side with the same key: records where their exact
    // bytes first differ (a name in two Unicode forms).
    void addExactPrefix(std::string_view a, std::string_view b)
    {
        std::string nfcPrefix;
        for (size_t i = 0;;) {
            const size_t ea = a.find('/', i), eb = b.find('/', i);
            const std::string_view na = a.substr(i, ea == std::string_view::npos ? ea : ea - i);
            const std::string_view nb = b.substr(i, eb == std::string_view::npos ? eb : eb - i);
            if (i > 0)
                nfcPrefix += '/';
            nfcPrefix += relpath::toNfc(na);
            if (na != nb) {
                m_exactPrefixes.insert(nfcPrefix);
                return;
            }
            if (ea == std::string_view::npos || eb == std::string_view::npos)
                return;
            i = ea + 1;
        }
    }

    std::string_view keyFor(std::string_view path)
    {
        if (!m_ci && relpath::isAscii(path))
            return path;
        std::string k = matchKeyOf(path);
        if (k == path)
            return path;
        m_owned.push_back(std::move(k));
        return m_owned.back();
    }

    // Which sides make two spellings one name, for messages.
    std::string foldingSides() const
    {
        auto folds = [&](int i) {
            const Capabilities& caps = i == 0 ? m_pol.leftCaps : m_pol.rightCaps;
            return m_snap[i]->caseInsensitive || m_snap[i]->normalizationInsensitive || caps.caseInsensitive ||
                   caps.normalizationInsensitive;
        };
        if (folds(0) && folds(1))
            return "both sides";
        return folds(0) ? "the left" : "the right";
    }

    std::string_view own(std::string s)
    {
        m_owned.push_back(std::move(s));
        return m_owned.back();
    }

    // The match keys of one side (or the base) in path order. When every key
    // equals its path (ASCII names, case-sensitive pair, nothing filtered)
    // and the entries are already in path order, the entries themselves are
    // the sequence and no key array is built: a million entries then cost
    // no extra memory here.
    struct KeySeq {
        bool direct = false;
        size_t count = 0;
        std::vector<std::pair<std::string_view, uint32_t>> keys;
    };

    template <typename T>
    KeySeq keysOf(const T& entries, bool isBase)
    {
        KeySeq seq;
        seq.count = entries.size();
        const bool filtering = isBase && !m_pol.filter.empty();
        if (!m_ci && !filtering) {
            bool ascii = true;
            for (size_t i = 0; i < entries.size() && ascii; ++i)
                ascii = relpath::isAscii(entries.pathAt(i));
            if (ascii && entries.isSortedByPath()) {
                seq.direct = true;
                return seq;
            }
        }
        seq.keys.reserve(entries.size());
        for (uint32_t i = 0; i < entries.size(); ++i) {
            if (filtering && m_pol.filter.excludes(entries.pathAt(i), entries[i].kind == EntryKind::Directory))
                continue;
            seq.keys.emplace_back(keyFor(entries.pathAt(i)), i);
        }
        seq.count = seq.keys.size();
        auto less = [](const auto& a, const auto& b) { return pathLess(a.first, b.first); };
        if (!std::is_sorted(seq.keys.begin(), seq.keys.end(), less))
            std::stable_sort(seq.keys.begin(), seq.keys.end(), less);
        return seq;
    }

    std::string_view keyAt(const KeySeq& seq, int s, size_t p) const
    {
        if (!seq.direct)
            return seq.keys[p].first;
        return s < 2 ? m_snap[s]->entries.pathAt(p) : m_base.entries.pathAt(p);
    }

    // Where no side folds Unicode forms, finds the names that a side holds
    // in two forms. Returns whether there are any (the keys must then be
    // built again).
    bool findFormTwins(const KeySeq (&seqs)[3])
    {
        if (m_foldsForms)
            return false;
        for (int s = 0; s < 3; ++s) {
            const KeySeq& seq = seqs[s];
            if (seq.direct)
                continue;
            auto pathAt = [&](size_t p) {
                const uint32_t i = seq.keys[p].second;
                return s < 2 ? m_snap[s]->entries.pathAt(i) : m_base.entries.pathAt(i);
            };
            for (size_t p = 1; p < seq.keys.size(); ++p)
                if (seq.keys[p].first == seq.keys[p - 1].first)
                    addExactPrefix(pathAt(p - 1), pathAt(p));
        }
        return !m_exactPrefixes.empty();
    }

    void buildRows()
    {
        KeySeq seqs[3] = {keysOf(m_snap[0]->entries, false), keysOf(m_snap[1]->entries, false),
                          keysOf(m_base.entries, true)};
        if (findFormTwins(seqs))
            for (int s = 0; s < 3; ++s)
                seqs[s] = s < 2 ? keysOf(m_snap[s]->entries, false) : keysOf(m_base.entries, true);
        for (const auto* list : {&m_pol.leftBlocked, &m_pol.rightBlocked})
            for (const std::string& p : *list)
                m_blockedKeys.insert(matchKeyOf(p));
        size_t pos[3] = {0, 0, 0};
        // Rows that cannot lead to any action are not kept (see quiet()), so
        // a run with few changes holds few rows; a first run keeps them all.
        if (m_base.empty())
            m_rows.reserve(std::max(seqs[0].count, seqs[1].count) + 16);
        for (;;) {
            std::string_view k;
            bool any = false;
            for (int s = 0; s < 3; ++s) {
                if (pos[s] < seqs[s].count) {
                    std::string_view c = keyAt(seqs[s], s, pos[s]);
                    if (!any || pathLess(c, k))
                        k = c;
                    any = true;
                }
            }
            if (!any)
                break;
            Row row;
            row.key = k;
            for (int s = 0; s < 3; ++s) {
                const KeySeq& seq = seqs[s];
                if (pos[s] >= seq.count || keyAt(seq, s, pos[s]) != k)
                    continue;
                const uint32_t first = seq.direct ? uint32_t(pos[s]) : seq.keys[pos[s]].second;
                if (s < 2)
                    row.e[s] = &m_snap[s]->entries[first];
                else
                    row.b = &m_base.entries[first];
                ++pos[s];
                while (pos[s] < seq.count && keyAt(seq, s, pos[s]) == k) {
                    const uint32_t dup = seq.direct ? uint32_t(pos[s]) : seq.keys[pos[s]].second;
                    if (s < 2) {
                        const std::string p1(m_snap[s]->entries.pathAt(first));
                        const std::string p2(m_snap[s]->entries.pathAt(dup));
                        m_plan.problems.push_back(
                            {p2, "'" + p1 + "' and '" + p2 + "' on the " + sideName(s == 0 ? Side::Left : Side::Right) +
                                     " are one name on " + foldingSides() +
                                     " (the same letters in another Unicode form, or differing only in letter case), "
                                     "so neither is synced. Rename one of them, then run the sync again"});
                    }
                    row.held = true;
                    ++pos[s];
                }
            }
            if (m_pol.limits.active() && !withinLimits(row))
                continue;
            if (!quiet(row))
                m_rows.push_back(row);
        }
    }

    // A path where either side holds a file outside the size or age limits is
    // left alone as a whole: a file that grew past the limit on one side must
    // not look deleted there, nor be overwritten from the other. Against a
    // folder on the other side the row is held instead, which covers the
    // folder's subtree too.
    bool withinLimits(Row& row) const
    {
        bool outside = false, otherKind = false;
        for (const Item* e : row.e) {
            if (!e)
                continue;
            if (e->kind != EntryKind::File)
                otherKind = true;
            else if (!m_pol.limits.admits(e->size, e->mtimeNs, m_pol.nowNs))
                outside = true;
        }
        if (!outside)
            return true;
        if (otherKind)
            row.held = true;
        return otherKind;
    }

    // A row where both sides and the base agree and no rule can fire: same
    // path everywhere, unchanged against the base (two-way) or equal by time
    // and size (mirror, update). Such rows are dropped while building, so a
    // million unchanged items cost no row at all. Blocked and duplicate rows
    // are always kept: their "hold" must cover their subtree.
    bool quiet(const Row& r) const
    {
        if (r.held || !r.e[0] || !r.e[1])
            return false;
        const Item& l = *r.e[0];
        const Item& rt = *r.e[1];
        if (l.kind != rt.kind || l.kind == EntryKind::Special)
            return false;
        const std::string_view lp = m_snap[0]->entries.pathOf(l);
        if (lp != m_snap[1]->entries.pathOf(rt) || (!m_blockedKeys.empty() && m_blockedKeys.count(std::string(r.key))))
            return false;
        if (m_pol.mode != SyncMode::TwoWay) {
            if (m_pol.compare != CompareMode::TimeSize)
                return false;
            return l.kind == EntryKind::Directory ||
                   (l.kind == EntryKind::File && l.size == rt.size && timesEqual(l.mtimeNs, rt.mtimeNs));
        }
        if (!r.b || r.b->kind != l.kind || m_base.entries.pathOf(*r.b) != lp)
            return false;
        const BaseItem& b = *r.b;
        switch (l.kind) {
        case EntryKind::Directory: return true;
        case EntryKind::Symlink:
            return l.size == b.size && rt.size == b.size && l.hasHash && rt.hasHash && b.hasHash && l.hash == b.hash &&
                   rt.hash == b.hash;
        case EntryKind::File:
            return m_pol.compare == CompareMode::TimeSize && l.size == b.size && rt.size == b.size &&
                   timesEqual(l.mtimeNs, b.leftMtimeNs) &&
                   timesEqual(rt.mtimeNs, b.rightMtimeNs) && !(l.hasHash && b.hasHash && l.hash != b.hash) &&
                   !(rt.hasHash && b.hasHash && rt.hash != b.hash);
        default: return false;
        }
    }

    // A name synced as one item in two spellings (NFD here, NFC there) stops
    // being one item when a side comes to hold both: rows are then keyed by
    // exact bytes, and the base, in one spelling, finds nothing on the side
    // that holds the other. That side did not delete anything, so such a row
    // loses its base and takes the first-run path (a union, never a
    // deletion). The base is remembered for the other spelling's row, which
    // still holds the item on that side (see firstMeeting()).
    void unpairSplitForms()
    {
        if (m_foldsForms || m_exactPrefixes.empty())
            return;
        // Per side: the NFC key of each row holding an item the base does not
        // know, and how many such rows share it.
        std::unordered_map<std::string, std::pair<size_t, int>> unknown[2];
        for (size_t i = 0; i < m_rows.size(); ++i) {
            const Row& r = m_rows[i];
            for (int s = 0; s < 2; ++s)
                if (!r.b && r.e[s]) {
                    auto& [row, count] = unknown[s][relpath::matchKey(r.key, false)];
                    row = i;
                    ++count;
                }
        }
        if (unknown[0].empty() && unknown[1].empty())
            return;
        for (Row& r : m_rows) {
            if (!r.b || r.held || (r.e[0] == nullptr) == (r.e[1] == nullptr))
                continue;
            const int x = r.e[0] ? 1 : 0; // the side without this spelling
            auto it = unknown[x].find(relpath::matchKey(r.key, false));
            if (it == unknown[x].end())
                continue;
            const auto [row, count] = it->second;
            if (count == 1 && !m_rows[row].b)
                m_formerBase.emplace(m_rows[row].key, r.b);
            r.b = nullptr;
        }
    }

    Row* findRow(std::string_view key)
    {
        auto it = std::lower_bound(m_rows.begin(), m_rows.end(), key,
                                   [](const Row& r, std::string_view k) { return pathLess(r.key, k); });
        return it != m_rows.end() && it->key == key ? &*it : nullptr;
    }

    void markBlocked(Side side, const std::vector<std::string>& blocked)
    {
        for (const std::string& p : blocked) {
            std::string key = matchKeyOf(p);
            if (Row* r = findRow(key))
                r->held = true;
        }
    }

    // ---- classification -----------------------------------------------------

    bool timesEqual(int64_t a, int64_t b) const
    {
        // Unsigned: the distance between two clamped ends of the range
        // (1677 and 2262) does not fit in an int64_t.
        const uint64_t d = a > b ? uint64_t(a) - uint64_t(b) : uint64_t(b) - uint64_t(a);
        const uint64_t tol = uint64_t(std::max<int64_t>(m_tol, 0));
        if (d <= tol)
            return true;
        if (m_pol.ignoreDstShift) {
            const uint64_t hour = uint64_t(3600) * 1000000000;
            const uint64_t dh = d > hour ? d - hour : hour - d;
            return dh <= tol;
        }
        return false;
    }

    std::string_view pathOf(Side s, const Item& e) const { return m_snap[idx(s)]->entries.pathOf(e); }
    std::string basePath(const Row& r) const { return std::string(m_base.entries.pathOf(*r.b)); }

    void needHash(Side s, const Item& e)
    {
        if (!e.hasHash && e.kind == EntryKind::File)
            m_plan.needHashes.emplace_back(s, std::string(pathOf(s, e)));
    }

    int64_t baseTime(const BaseInfo& b, Side s) const { return s == Side::Left ? b.leftMtimeNs : b.rightMtimeNs; }

    Change classify(const Row& r, Side s)
    {
        const Item* e = r.e[idx(s)];
        const BaseItem* b = r.b;
        if (!b)
            return e ? Change::Created : Change::Absent;
        if (!e)
            return Change::Deleted;
        if (e->kind != b->kind)
            return Change::Modified;
        switch (e->kind) {
        case EntryKind::Directory:
        case EntryKind::Special:
            return Change::Unchanged;
        case EntryKind::Symlink:
            return (e->size != b->size || (e->hasHash && b->hasHash && e->hash != b->hash)) ? Change::Modified
                                                                                          : Change::Unchanged;
        case EntryKind::File:
            break;
        }
        if (e->size != b->size)
            return Change::Modified;
        if (m_pol.compare == CompareMode::Content && b->hasHash) {
            // Compare by content: the bytes decide, whatever the times say.
            if (!e->hasHash) {
                needHash(s, *e);
                return Change::Modified;
            }
            if (e->hash != b->hash)
                return Change::Modified;
            return timesEqual(e->mtimeNs, baseTime(*b, s)) ? Change::Unchanged : Change::Touched;
        }
        if (timesEqual(e->mtimeNs, baseTime(*b, s))) {
            if (e->hasHash && b->hasHash && e->hash != b->hash)
                return Change::Modified;
            return Change::Unchanged;
        }
        if (b->hasHash) {
            if (!e->hasHash) {
                needHash(s, *e);
                return Change::Modified;
            }
            return e->hash == b->hash ? Change::Touched : Change::Modified;
        }
        return Change::Modified;
    }

    // Same content on both sides? Requests hashes when only they can tell.
    // trustTimes: same size and time count as the same content (first runs,
    // where hashing every file would read both trees); edits on both sides
    // are always compared by content.
    bool sameContent(const Item& l, const Item& r, bool trustTimes = true)
    {
        if (l.kind != r.kind)
            return false;
        if (l.kind == EntryKind::Directory)
            return true;
        if (l.size != r.size)
            return false;
        if (l.hasHash && r.hasHash)
            return l.hash == r.hash;
        if (l.kind == EntryKind::Symlink)
            return false;
        if (trustTimes && m_pol.compare == CompareMode::TimeSize && timesEqual(l.mtimeNs, r.mtimeNs))
            return true;
        needHash(Side::Left, l);
        needHash(Side::Right, r);
        return false;
    }

    // ---- emitting actions ---------------------------------------------------

    void setOverride(Row& r, Side s, const std::string* path)
    {
        if (r.overrides == 0) {
            r.overrides = uint32_t(m_overrides.size());
            m_overrides.push_back({nullptr, nullptr});
        }
        m_overrides[r.overrides][idx(s)] = path;
    }

    std::string_view pathOn(const Row& r, Side s) const
    {
        int i = idx(s);
        const auto& over = m_overrides[r.overrides];
        if (over[i])
            return *over[i];
        if (r.e[i])
            return m_snap[i]->entries.pathOf(*r.e[i]);
        int o = 1 - i;
        if (over[o])
            return *over[o];
        if (r.e[o])
            return m_snap[o]->entries.pathOf(*r.e[o]);
        return m_base.entries.pathOf(*r.b);
    }

    // Actions point into the snapshots; the Plan keeps them alive.
    static InfoRef detached(const EntryInfo& info) { return InfoRef::borrow(&info); }

    // A rule's arguments that the entries do not carry, with the base's facts.
    ReasonArgs argsFor(const Row& r, Side side) const
    {
        ReasonArgs g;
        g.side = side;
        g.policy = m_pol.conflict;
        if (r.b)
            g.base = baseFactsOf(*r.b, r.e[0], r.e[1]);
        return g;
    }

    Action base(const Row& r, Op op, Side target, const char* rule, ReasonForm form = ReasonForm::Plain,
                std::optional<ReasonArgs> args = std::nullopt)
    {
        Action a;
        a.op = op;
        a.target = target;
        a.path = std::string(pathOn(r, target));
        // The action's paths say where; the entries only carry the details.
        if (r.e[0])
            a.left = detached(*r.e[0]);
        if (r.e[1])
            a.right = detached(*r.e[1]);
        if (r.b && m_base.entries.pathOf(*r.b) != a.path)
            a.text().basePath = basePath(r);
        const Item* any = r.e[idx(target)] ? r.e[idx(target)] : r.e[1 - idx(target)];
        a.kind = any ? any->kind : (r.b ? r.b->kind : EntryKind::File);
        a.rule = rule;
        a.reasonForm = form;
        if (args)
            a.text().reasonArgs = std::move(args);
        return a;
    }

    void hold(const Row& r) { m_stack.emplace_back(r.key, Override::Hold); }

    bool emitCopy(const Row& r, Side from, const char* rule, ReasonForm form = ReasonForm::Plain,
                  std::optional<ReasonArgs> args = std::nullopt)
    {
        Side to = otherSide(from);
        const Item* src = r.e[idx(from)];
        std::string why;
        const Capabilities& caps = to == Side::Left ? m_pol.leftCaps : m_pol.rightCaps;
        std::string_view name = relpath::name(pathOn(r, to));
        if (src->kind == EntryKind::Symlink && !caps.symlinks) {
            // Nothing is attempted there: one clear line per link, not a
            // failure of each copy.
            m_plan.problems.push_back({std::string(pathOn(r, from)),
                                       "skipped: the " + std::string(sideName(to)) +
                                           " side keeps no symbolic links, so this link cannot be copied there. "
                                           "Exclude it (--exclude) if it need not be synced"});
            hold(r);
            return false;
        }
        if (!validNameFor(name, caps, why)) {
            m_plan.problems.push_back({std::string(pathOn(r, from)), "cannot be created on the " + std::string(sideName(to)) +
                                                            ": " + why + ". Rename it, then run the sync again"});
            hold(r);
            return false;
        }
        Action a = base(r, Op::Copy, to, rule, form, std::move(args));
        a.kind = src->kind;
        if (pathOn(r, from) != a.path)
            a.text().sourcePath = std::string(pathOn(r, from));
        m_plan.actions.push_back(std::move(a));
        return true;
    }

    void emitDelete(const Row& r, Side on, const char* rule, ReasonForm form = ReasonForm::Plain,
                    std::optional<ReasonArgs> args = std::nullopt)
    {
        m_plan.actions.push_back(base(r, Op::Delete, on, rule, form, std::move(args)));
    }

    void emitBaseOnly(const Row& r, Op op, const char* rule, std::optional<ReasonArgs> args = std::nullopt)
    {
        m_plan.actions.push_back(base(r, op, Side::Left, rule, ReasonForm::Plain, std::move(args)));
    }

    // Makes the loser side equal to `winner` for this row (inside a
    // conflict resolved for `winner`).
    void impose(const Row& r, Side winner)
    {
        const char* rule = "conflict-resolution";
        Side loser = otherSide(winner);
        const Item* w = r.e[idx(winner)];
        const Item* l = r.e[idx(loser)];
        ReasonArgs g;
        g.side = winner;
        if (w && l && sameContent(*w, *l)) {
            emitBaseOnly(r, Op::RecordBase, rule, std::move(g));
            return;
        }
        if (w)
            emitCopy(r, winner, rule, ReasonForm::InsideResolved, std::move(g));
        else if (l)
            emitDelete(r, loser, rule, ReasonForm::InsideResolved, std::move(g));
        else if (r.b)
            emitBaseOnly(r, Op::ForgetBase, rule, std::move(g));
    }

    // ---- the row loop -------------------------------------------------------

    void processRows()
    {
        for (size_t i = 0; i < m_rows.size(); ++i) {
            const Row& r = m_rows[i];
            while (!m_stack.empty() && !isUnder(r.key, m_stack.back().first))
                m_stack.pop_back();
            Override ov = m_stack.empty() ? Override::None : m_stack.back().second;
            if (r.dead)
                continue;
            if (r.held || ov == Override::Hold) {
                hold(r);
                continue;
            }
            if (ov == Override::ForceLeft || ov == Override::ForceRight) {
                Side w = ov == Override::ForceLeft ? Side::Left : Side::Right;
                impose(r, w);
                continue;
            }
            switch (m_pol.mode) {
            case SyncMode::TwoWay: twoWay(i, ov == Override::KeepChanged); break;
            case SyncMode::Mirror: mirror(r); break;
            case SyncMode::Update: update(r); break;
            }
        }
    }

    // ---- two-way --------------------------------------------------------------

    // A name that changed only in letter case on one side (one item under
    // case folding) is carried as a rename; Unicode-form differences are not.
    void caseRename(size_t i)
    {
        Row& r = m_rows[i];
        if (!r.e[0] || !r.e[1] || !r.b || r.e[0]->kind != r.e[1]->kind)
            return;
        const std::string lp(pathOf(Side::Left, *r.e[0])), rp(pathOf(Side::Right, *r.e[1])), bp = basePath(r);
        const std::string nl = relpath::toNfc(relpath::name(lp));
        const std::string nr = relpath::toNfc(relpath::name(rp));
        if (nl == nr)
            return;
        // Only spellings of one name: a row that detectRenames() filled with
        // a renamed item holds two different names, and that rename is
        // already planned.
        if (relpath::matchKey(nl, true) != relpath::matchKey(nr, true))
            return;
        const std::string nb = relpath::toNfc(relpath::name(bp));
        Side renamed;
        if (nr == nb && nl != nb)
            renamed = Side::Left;
        else if (nl == nb && nr != nb)
            renamed = Side::Right;
        else
            return;
        Side y = otherSide(renamed);
        ReasonArgs g;
        g.side = renamed;
        g.path = bp;
        g.newPath = renamed == Side::Left ? lp : rp;
        Action a = base(r, Op::Rename, y, renamed == Side::Left ? "left-renamed" : "right-renamed",
                        ReasonForm::CaseOnly, std::move(g));
        a.text().fromPath = renamed == Side::Left ? rp : lp;
        a.path = relpath::join(relpath::parent(a.fromPath()), relpath::name(renamed == Side::Left ? lp : rp));
        a.text().basePath = bp;
        m_plan.actions.push_back(a);
        setOverride(r, y, &m_owned.emplace_back(a.path));
    }

    void twoWay(size_t i, bool keepChanged)
    {
        if (m_ci)
            caseRename(i);
        const Row& r = m_rows[i];
        const Change cl = classify(r, Side::Left);
        const Change cr = classify(r, Side::Right);
        const bool lReal = changed(cl);
        const bool rReal = changed(cr);
        if (!lReal && !rReal) {
            if (cl == Change::Touched && cr == Change::Touched)
                emitBaseOnly(r, Op::RecordBase, "both-touched");
            else if (cl == Change::Touched)
                carry(r, Side::Left, cl, cr);
            else if (cr == Change::Touched)
                carry(r, Side::Right, cr, cl);
            return;
        }
        for (Side x : {Side::Left, Side::Right}) {
            Side y = otherSide(x);
            Change cx = x == Side::Left ? cl : cr;
            if (cx == Change::Deleted && r.b->kind == EntryKind::Directory && r.e[idx(y)] &&
                r.e[idx(y)]->isDir()) {
                folderDeleted(i, x, keepChanged);
                return;
            }
        }
        // A folder replaced by a file or symlink on one side while the other
        // side changed something inside it: a folder conflict, never a copy
        // into (or through) the replacement.
        for (Side x : {Side::Left, Side::Right}) {
            Side y = otherSide(x);
            const Item* ex = r.e[idx(x)];
            const Item* ey = r.e[idx(y)];
            if (r.b && r.b->kind == EntryKind::Directory && ex && !ex->isDir() && ey && ey->isDir() &&
                changedInside(i, y) > 0) {
                ReasonArgs g = argsFor(r, x);
                g.otherKind = ex->kind;
                g.count = changedInside(i, y);
                conflict(r, "folder-replaced-vs-changed", std::move(g));
                return;
            }
        }
        if (lReal && !rReal) {
            carry(r, Side::Left, cl, cr);
            return;
        }
        if (rReal && !lReal) {
            carry(r, Side::Right, cr, cl);
            return;
        }
        // Both changed for real.
        if (cl == Change::Deleted && cr == Change::Deleted) {
            emitBaseOnly(r, Op::ForgetBase, "both-deleted");
            return;
        }
        if (!r.b) {
            firstMeeting(r);
            return;
        }
        if (cl == Change::Deleted || cr == Change::Deleted) {
            Side editor = cl == Change::Deleted ? Side::Right : Side::Left;
            emitCopy(r, editor, "delete-vs-edit", ReasonForm::Plain, argsFor(r, editor));
            return;
        }
        if (sameContent(*r.e[0], *r.e[1], /*trustTimes=*/false)) {
            emitBaseOnly(r, Op::RecordBase, "both-equal");
            return;
        }
        conflict(r, "both-changed", argsFor(r, Side::Left));
    }

    // One side changed (cx), the other is unchanged or only touched (cy).
    void carry(const Row& r, Side x, Change cx, Change cy)
    {
        Side y = otherSide(x);
        // The other side is unchanged or only touched (carry() is not called
        // for a real change there).
        const ReasonForm other = cy == Change::Touched ? ReasonForm::OtherTouched : ReasonForm::Plain;
        switch (cx) {
        case Change::Created:
            emitCopy(r, x, x == Side::Left ? "left-created" : "right-created"); // worded from the entries
            break;
        case Change::Modified:
            emitCopy(r, x, x == Side::Left ? "left-changed" : "right-changed", other, argsFor(r, x));
            break;
        case Change::Deleted:
            emitDelete(r, y, x == Side::Left ? "left-deleted" : "right-deleted", other);
            break;
        case Change::Touched: {
            Action a = base(r, Op::SetTime, y, x == Side::Left ? "left-touched" : "right-touched", other, argsFor(r, x));
            m_plan.actions.push_back(std::move(a));
            break;
        }
        default:
            break;
        }
    }

    // Present on both sides with no base: the first run (or a new path).
    // Equal size and time prove nothing here: two different versions made
    // by different programs can share both, and recording them as in sync
    // would let the next one-sided edit overwrite the other version, which
    // was never copied anywhere. So the bytes decide; until they are read,
    // nothing is planned for the row.
    void firstMeeting(const Row& r)
    {
        const Item& l = *r.e[0];
        const Item& rt = *r.e[1];
        if (sameContent(l, rt, /*trustTimes=*/false)) {
            emitBaseOnly(r, Op::RecordBase, "first-run-equal");
            return;
        }
        if (l.kind == EntryKind::File && rt.kind == EntryKind::File && l.size == rt.size && !(l.hasHash && rt.hasHash))
            return; // sameContent() asked for the hashes
        if (!m_formerBase.empty() && splitFormChange(r))
            return;
        conflict(r, "first-run-differ", argsFor(r, Side::Left));
    }

    // A row that holds what the base knew under another spelling (see
    // unpairSplitForms()): where one side still holds that item unchanged,
    // the other side's different content is a change to carry, not a
    // conflict for a policy to settle (which could drop the newer bytes).
    // The replaced bytes live on under the other spelling.
    bool splitFormChange(const Row& r)
    {
        auto it = m_formerBase.find(r.key);
        if (it == m_formerBase.end())
            return false;
        Row former = r;
        former.b = it->second;
        const Change cl = classify(former, Side::Left);
        const Change cr = classify(former, Side::Right);
        if (changed(cl) == changed(cr))
            return false;
        const Side x = changed(cl) ? Side::Left : Side::Right;
        const Side y = otherSide(x);
        const bool yTouched = (y == Side::Left ? cl : cr) == Change::Touched;
        ReasonArgs g = argsFor(former, x);
        g.path = std::string(m_base.entries.pathOf(*it->second));
        emitCopy(r, x, x == Side::Left ? "left-changed" : "right-changed",
                 yTouched ? ReasonForm::SplitFormOtherTouched : ReasonForm::SplitForm, std::move(g));
        return true;
    }

    // How many items below row i were created or edited on `side`, or moved
    // into the folder from outside it (a rename carries them in: deleting or
    // replacing the folder would then fail on them, or lose them).
    int changedInside(size_t i, Side side)
    {
        int n = 0;
        const std::string_view dir = m_rows[i].key;
        for (size_t j = i + 1; j < m_rows.size() && isUnder(m_rows[j].key, dir); ++j) {
            const Row& r = m_rows[j];
            if (r.dead)
                continue;
            if (isEdit(classify(r, side)) || (r.b && !isUnder(m_base.entries.pathOf(*r.b), dir)))
                ++n;
        }
        return n;
    }

    void folderDeleted(size_t i, Side x, bool keepChanged)
    {
        const Row& r = m_rows[i];
        Side y = otherSide(x);
        const int changedInside = this->changedInside(i, y);
        if (changedInside == 0) {
            emitDelete(r, y, x == Side::Left ? "left-deleted" : "right-deleted");
            return;
        }
        ReasonArgs what;
        what.side = x;
        what.policy = m_pol.conflict;
        what.count = changedInside;
        if (keepChanged) {
            emitCopy(r, y, "folder-deleted-vs-changed", ReasonForm::KeptForChanged, what);
            return;
        }
        ConflictPolicy p = m_pol.conflict;
        Action c = base(r, Op::Conflict, x, "folder-deleted-vs-changed");
        c.kind = EntryKind::Directory;
        if (p == ConflictPolicy::Ask || p == ConflictPolicy::Skip) {
            c.resolution = Resolution::Pending;
            c.text().reasonArgs = what;
            m_plan.actions.push_back(std::move(c));
            hold(r);
            return;
        }
        Side winner = y;
        bool keepBoth = p == ConflictPolicy::KeepBoth || p == ConflictPolicy::Newer;
        if (!keepBoth)
            winner = p == ConflictPolicy::LeftWins ? Side::Left : Side::Right;
        c.resolution = Resolution::Informational;
        what.resolution = Resolution::Informational;
        c.text().reasonArgs = what;
        if (keepBoth) {
            c.reasonForm = ReasonForm::KeptForChanged;
            m_plan.actions.push_back(std::move(c));
            emitCopy(r, y, "folder-deleted-vs-changed", ReasonForm::KeptForChanged, what);
            m_stack.emplace_back(r.key, Override::KeepChanged);
        } else if (winner == x) {
            c.reasonForm = ReasonForm::WinnerDeletes;
            m_plan.actions.push_back(std::move(c));
            emitDelete(r, y, "conflict-resolution", ReasonForm::WinnerDeletes, what);
            m_stack.emplace_back(r.key, x == Side::Left ? Override::ForceLeft : Override::ForceRight);
        } else {
            c.reasonForm = ReasonForm::WinnerRestores;
            m_plan.actions.push_back(std::move(c));
            emitCopy(r, y, "conflict-resolution", ReasonForm::WinnerRestores, what);
            m_stack.emplace_back(r.key, y == Side::Left ? Override::ForceLeft : Override::ForceRight);
        }
    }

    void conflict(const Row& r, const char* rule, ReasonArgs args)
    {
        const Item& l = *r.e[0];
        const Item& rt = *r.e[1];
        Action c = base(r, Op::Conflict, Side::Right, rule);
        c.kind = l.kind;
        if (pathOn(r, Side::Left) != c.path) // the left's own spelling (Unicode form or case)
            c.text().sourcePath = std::string(pathOn(r, Side::Left));
        const bool kindsDiffer = l.kind != rt.kind;
        switch (m_pol.conflict) {
        case ConflictPolicy::Ask:
        case ConflictPolicy::Skip:
            c.resolution = Resolution::Pending;
            break;
        case ConflictPolicy::LeftWins: c.resolution = Resolution::KeepLeft; break;
        case ConflictPolicy::RightWins: c.resolution = Resolution::KeepRight; break;
        case ConflictPolicy::Newer:
            if (kindsDiffer || timesEqual(l.mtimeNs, rt.mtimeNs))
                c.resolution = Resolution::KeepBoth;
            else
                c.resolution = l.mtimeNs > rt.mtimeNs ? Resolution::KeepLeft : Resolution::KeepRight;
            break;
        case ConflictPolicy::KeepBoth: c.resolution = Resolution::KeepBoth; break;
        }
        if (c.resolution == Resolution::KeepBoth) {
            if (kindsDiffer && (l.isDir() || rt.isDir()))
                c.loser = l.isDir() ? Side::Right : Side::Left;   // the folder keeps the name
            else
                c.loser = l.mtimeNs > rt.mtimeNs ? Side::Right : Side::Left; // the newer keeps the name
            // The loser's new name is made on both sides: it must fit both.
            const int maxName = std::min(m_pol.leftCaps.maxNameBytes, m_pol.rightCaps.maxNameBytes);
            c.text().conflictName = freshConflictName(std::string(pathOn(r, c.loser)), maxName);
        }
        // The settlement as planned: the reason keeps saying it after edits.
        args.policy = m_pol.conflict;
        args.resolution = c.resolution;
        c.text().reasonArgs = std::move(args);
        Resolution res = c.resolution;
        Side loser = c.loser;
        m_plan.actions.push_back(std::move(c));
        if (!kindsDiffer || !(l.isDir() || rt.isDir()))
            return;
        // A file against a folder: the rows below the folder follow the decision.
        if (res == Resolution::Pending)
            hold(r);
        else if (res == Resolution::KeepBoth)
            m_stack.emplace_back(r.key, otherSide(loser) == Side::Left ? Override::ForceLeft : Override::ForceRight);
        else
            m_stack.emplace_back(r.key, res == Resolution::KeepLeft ? Override::ForceLeft : Override::ForceRight);
    }

    // A keep-both name no other item has: not on either side, nor invented
    // earlier in this plan (two long names can be cut to the same stem).
    std::string freshConflictName(const std::string& loserPath, int maxName)
    {
        std::string name;
        for (int number = 1; number < 10000; ++number) {
            name = conflictName(loserPath, m_pol.nowNs, m_pol.hostName, maxName, number);
            const std::string key = matchKeyOf(name);
            if (m_snap[0]->find(name) || m_snap[1]->find(name) || findRow(key) || m_inventedNames.count(key))
                continue;
            m_inventedNames.insert(key);
            break;
        }
        return name; // after 9999 taken names the executor reports the clash
    }

    // ---- renames ----------------------------------------------------------------

    void detectRenames()
    {
        for (int pass = 0; pass < 8; ++pass)
            if (!renamePass(true))
                break;
        renamePass(false);
    }

    bool fileIdsOn(Side s) const { return (s == Side::Left ? m_pol.leftCaps : m_pol.rightCaps).fileIds; }

    // One pass over folders (dirs=true) or files and symlinks. Returns whether
    // anything was renamed.
    bool renamePass(bool dirs)
    {
        bool any = false;
        for (Side x : {Side::Left, Side::Right}) {
            Side y = otherSide(x);
            const int xi = idx(x), yi = idx(y);
            std::unordered_map<uint64_t, size_t> byId;
            std::unordered_map<int64_t, std::vector<size_t>> bySize;
            std::vector<size_t> ambiguousIds;
            for (size_t i = 0; i < m_rows.size(); ++i) {
                const Row& r = m_rows[i];
                if (r.dead || r.held || !r.b || r.e[xi] || !r.e[yi])
                    continue;
                if ((r.b->kind == EntryKind::Directory) != dirs)
                    continue;
                if (classify(r, y) != Change::Unchanged || r.e[yi]->kind != r.b->kind)
                    continue;
                uint64_t id = x == Side::Left ? r.b->leftId : r.b->rightId;
                if (id && fileIdsOn(x)) {
                    auto [it, inserted] = byId.emplace(id, i);
                    if (!inserted)
                        ambiguousIds.push_back(id);
                }
                if (!dirs && r.b->hasHash)
                    bySize[r.b->size].push_back(i);
            }
            for (uint64_t id : ambiguousIds)
                byId.erase(id);
            if (byId.empty() && bySize.empty())
                continue;
            std::vector<std::pair<size_t, size_t>> matches; // (old row, new row)
            std::vector<bool> taken(m_rows.size(), false);
            for (size_t i = 0; i < m_rows.size(); ++i) {
                const Row& a = m_rows[i];
                if (a.dead || a.held || a.b || !a.e[xi] || a.e[yi])
                    continue;
                const Item& e = *a.e[xi];
                if (e.isDir() != dirs || e.kind == EntryKind::Special)
                    continue;
                size_t match = SIZE_MAX;
                if (e.fileId && fileIdsOn(x)) {
                    auto it = byId.find(e.fileId);
                    if (it != byId.end()) {
                        const BaseItem& b = *m_rows[it->second].b;
                        if (b.kind == e.kind &&
                            (dirs || (b.size == e.size && timesEqual(baseTime(b, x), e.mtimeNs))))
                            match = it->second;
                    }
                }
                if (match == SIZE_MAX && !dirs) {
                    auto it = bySize.find(e.size);
                    if (it != bySize.end()) {
                        std::vector<size_t> cands;
                        for (size_t c : it->second) {
                            const BaseItem& b = *m_rows[c].b;
                            if (!taken[c] && b.kind == e.kind && timesEqual(baseTime(b, x), e.mtimeNs))
                                cands.push_back(c);
                        }
                        if (cands.size() == 1) {
                            if (!e.hasHash)
                                needHash(x, e);
                            else if (e.hash == m_rows[cands[0]].b->hash)
                                match = cands[0];
                        }
                    }
                }
                // A move into a folder that the other side replaced by a file
                // is not carried as a rename (it would fail on that file): the
                // item is then new inside a folder-replaced conflict, which
                // keeps both.
                if (match != SIZE_MAX && folderReplacedOn(y, a.key))
                    match = SIZE_MAX;
                if (match != SIZE_MAX && !taken[match]) {
                    // Only the outermost folder of a renamed tree is renamed.
                    bool nested = false;
                    for (auto& [o, n] : matches)
                        if (isUnder(m_rows[match].key, m_rows[o].key))
                            nested = true;
                    if (nested)
                        continue;
                    taken[match] = true;
                    matches.emplace_back(match, i);
                }
            }
            for (auto& [o, n] : matches)
                applyRename(o, n, x);
            if (!matches.empty()) {
                any = true;
                compactRows();
            }
        }
        return any;
    }

    // Whether a folder above `key` holds something other than a folder on
    // side `s` (rows are in path order here).
    bool folderReplacedOn(Side s, std::string_view key) const
    {
        for (size_t slash = key.rfind('/'); slash != std::string_view::npos && slash > 0;
             slash = key.rfind('/', slash - 1)) {
            const std::string_view dir = key.substr(0, slash);
            auto it = std::lower_bound(m_rows.begin(), m_rows.end(), dir,
                                       [](const Row& r, std::string_view k) { return pathLess(r.key, k); });
            if (it != m_rows.end() && it->key == dir && !it->dead) {
                const Item* e = it->e[idx(s)];
                if (e && !e->isDir())
                    return true;
            }
        }
        return false;
    }

    void applyRename(size_t o, size_t n, Side x)
    {
        Side y = otherSide(x);
        const int xi = idx(x), yi = idx(y);
        Row& oldRow = m_rows[o];
        Row& newRow = m_rows[n];
        const BaseItem& b = *oldRow.b;
        const std::string oldBasePath = basePath(oldRow);
        const std::string oldOnY(pathOn(oldRow, y));
        const std::string newPath(pathOn(newRow, x));
        const Item& ne = *newRow.e[xi];
        uint64_t baseId = x == Side::Left ? b.leftId : b.rightId;
        const bool byId = ne.fileId && ne.fileId == baseId && fileIdsOn(x);
        ReasonArgs g;
        g.side = x;
        g.count = byId ? int64_t(ne.fileId) : 0;
        g.path = oldBasePath;
        g.newPath = newPath;
        std::string why;
        const Capabilities& caps = y == Side::Left ? m_pol.leftCaps : m_pol.rightCaps;
        if (!validNameFor(relpath::name(newPath), caps, why))
            return; // not carried as a rename: the copy path reports the name
        Action a;
        a.op = Op::Rename;
        a.target = y;
        a.kind = b.kind;
        a.text().fromPath = oldOnY;
        a.path = newPath;
        a.text().basePath = oldBasePath;
        a.rule = x == Side::Left ? "left-renamed" : "right-renamed";
        a.reasonForm = byId ? ReasonForm::ByFileId : ReasonForm::BySameFacts;
        a.text().reasonArgs = std::move(g);
        (x == Side::Left ? a.left : a.right) = detached(ne);
        (y == Side::Left ? a.left : a.right) = detached(*oldRow.e[yi]);
        m_plan.actions.push_back(a);

        const std::string* newOnY = &m_owned.emplace_back(newPath);
        newRow.e[yi] = oldRow.e[yi];
        newRow.b = oldRow.b;
        setOverride(newRow, y, newOnY);
        oldRow.e[yi] = nullptr;
        oldRow.b = nullptr;
        oldRow.dead = true;
        if (b.kind != EntryKind::Directory)
            return;
        // Move the folder's rows under the new name.
        std::unordered_map<std::string_view, size_t> byKey;
        for (size_t i = 0; i < m_rows.size(); ++i)
            if (!m_rows[i].dead)
                byKey.emplace(m_rows[i].key, i);
        const std::string_view oldKey = m_rows[o].key;
        const std::string_view newKey = m_rows[n].key;
        std::vector<Row> added;
        for (size_t j = o + 1; j < m_rows.size() && isUnder(m_rows[j].key, oldKey); ++j) {
            Row& c = m_rows[j];
            if (!c.e[yi] && !c.b)
                continue;
            std::string_view key = own(std::string(newKey) + std::string(c.key.substr(oldKey.size())));
            const std::string cy(pathOn(c, y));
            const std::string* moved = &m_owned.emplace_back(newPath + cy.substr(oldOnY.size()));
            auto it = byKey.find(key);
            Row* t;
            if (it != byKey.end()) {
                t = &m_rows[it->second];
            } else {
                added.emplace_back();
                t = &added.back();
                t->key = key;
            }
            t->e[yi] = c.e[yi];
            t->b = c.b;
            setOverride(*t, y, moved);
            t->held = t->held || c.held;
            c.e[yi] = nullptr;
            c.b = nullptr;
            if (!c.e[xi])
                c.dead = true;
        }
        for (Row& r : added)
            m_rows.push_back(r);
    }

    void compactRows()
    {
        m_rows.erase(std::remove_if(m_rows.begin(), m_rows.end(), [](const Row& r) { return r.dead; }), m_rows.end());
        std::stable_sort(m_rows.begin(), m_rows.end(), [](const Row& a, const Row& b) { return pathLess(a.key, b.key); });
    }

    // ---- mirror and update --------------------------------------------------

    bool equalForOneWay(const Item& l, const Item& r)
    {
        if (l.kind != r.kind)
            return false;
        if (l.kind == EntryKind::Directory)
            return true;
        if (l.size != r.size)
            return false;
        if (l.kind == EntryKind::Symlink)
            return !(l.hasHash && r.hasHash) || l.hash == r.hash;
        if (m_pol.compare == CompareMode::Content) {
            if (l.hasHash && r.hasHash)
                return l.hash == r.hash;
            needHash(Side::Left, l);
            needHash(Side::Right, r);
            return false;
        }
        return timesEqual(l.mtimeNs, r.mtimeNs);
    }

    void mirror(const Row& r)
    {
        const Item* l = r.e[0];
        const Item* rt = r.e[1];
        if (l && !rt) {
            emitCopy(r, Side::Left, "mirror-missing");
        } else if (!l && rt) {
            emitDelete(r, Side::Right, "mirror-extra");
        } else if (l && rt && !equalForOneWay(*l, *rt)) {
            if (m_pol.compare == CompareMode::Content && l->kind == EntryKind::File && l->hasHash && rt->hasHash &&
                l->hash == rt->hash) {
                m_plan.actions.push_back(base(r, Op::SetTime, Side::Right, "mirror-time")); // worded from the entries
                return;
            }
            emitCopy(r, Side::Left, "mirror-differ");
        }
    }

    void update(const Row& r)
    {
        const Item* l = r.e[0];
        const Item* rt = r.e[1];
        if (l && !rt) {
            emitCopy(r, Side::Left, "update-missing");
            return;
        }
        if (!l || !rt || equalForOneWay(*l, *rt))
            return;
        if (l->kind != rt->kind) {
            // Update never deletes, so a folder never replaces a file or back.
            // Said, not skipped silently: the sides are not in sync here, in
            // either direction, and nothing below the path is touched.
            const std::string lp(pathOf(Side::Left, *l));
            m_plan.problems.push_back(
                {lp, "'" + lp + "' is a " + kindName(l->kind) + " on the left but a " + kindName(rt->kind) +
                         " on the right; update mode never replaces one kind with another (that would delete the "
                         "right's " + kindName(rt->kind) + "), so it was left alone. Rename or remove one of them, "
                         "then run the sync again",
                 "leave alone"});
            hold(r);
            return;
        }
        const bool rightNewer = l->mtimeNs < rt->mtimeNs && !timesEqual(l->mtimeNs, rt->mtimeNs);
        emitCopy(r, Side::Left, "update-changed", rightNewer ? ReasonForm::RightNewer : ReasonForm::Plain);
    }
};

} // namespace

Plan reconcile(std::shared_ptr<const Snapshot> left, std::shared_ptr<const Snapshot> right, const BaseState& base,
               const SyncPolicy& policy)
{
    Plan p = Reconciler(*left, *right, base, policy).run();
    p.leftSnapshot = std::move(left);
    p.rightSnapshot = std::move(right);
    return p;
}

Plan reconcile(const Snapshot& left, const Snapshot& right, const BaseState& base, const SyncPolicy& policy)
{
    return reconcile(std::make_shared<const Snapshot>(left), std::make_shared<const Snapshot>(right), base, policy);
}

namespace {

// The longest prefix of `s` of at most `bytes` bytes that ends on a UTF-8
// character boundary (never inside a multi-byte character).
std::string utf8Prefix(const std::string& s, size_t bytes)
{
    if (s.size() <= bytes)
        return s;
    size_t cut = bytes;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut;
    return s.substr(0, cut);
}

} // namespace

std::string conflictName(const std::string& path, int64_t nowNs, const std::string& host, int maxNameBytes,
                         int number)
{
    // An extension longer than this is not one a program recognises files
    // by: it is cut like the rest of the name rather than kept whole.
    constexpr size_t kMaxKeptExtension = 16;
    std::string_view dir = relpath::parent(path);
    std::string name(relpath::name(path));
    std::string stem = name, ext;
    size_t dot = name.rfind('.');
    if (dot != std::string::npos && dot > 0) {
        stem = name.substr(0, dot);
        ext = name.substr(dot);
    }
    std::string h = host.empty() ? "host" : host;
    // The number tells apart names that would otherwise be one (two long
    // names cut to the same stem): it is never cut.
    const std::string suffix = number > 1 ? " " + std::to_string(number) : std::string();
    std::string marker = " (conflict " + formatStamp(nowNs) + " " + h + ")";
    const size_t limit = size_t(std::max(maxNameBytes, 1));
    const size_t room = limit > suffix.size() + 1 ? limit - suffix.size() : 1;
    if (stem.size() + marker.size() + ext.size() > room) {
        // Too long for the side: keep the marker and the extension, cut the
        // stem (at least one byte of it must stay, or the name says nothing).
        if (ext.size() > kMaxKeptExtension || marker.size() + ext.size() + 1 > room) {
            stem += ext;
            ext.clear();
        }
        if (marker.size() + 1 > room) // an absurd host name or a tiny limit
            marker = utf8Prefix(marker, room - 1);
        stem = utf8Prefix(stem, room - marker.size() - ext.size());
    }
    return relpath::join(dir, stem + marker + suffix + ext);
}

} // namespace ferry
