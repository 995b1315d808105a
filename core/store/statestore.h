// StateStore: the base of one sync pair (what both sides looked like when
// last in sync), in its own SQLite file (WAL). The executor updates it as
// each action completes, in small batched transactions: losing the last
// batch in a crash is harmless, because the next run re-derives those items
// from disk (a finished copy is then seen as "equal on both sides" and only
// recorded; a finished delete as "gone from both").
//
// Also holds the identity of both roots, so that a swapped disk or a
// re-created folder is refused instead of being read as "everything deleted".
// Thread-safety: one thread at a time. Failures: a file that is not a Ferry
// state database, or a corrupt one, is an AbortRun error that says what to do.
#pragma once

#include "common/error.h"
#include "model/snapshot.h"

#include <memory>
#include <optional>
#include <string>

struct sqlite3;

namespace ferry {
namespace sql { class Stmt; }

class StateStore {
public:
    ~StateStore();
    // readOnly: for dry runs; a missing file then yields an empty store that
    // never touches the disk. The file's integrity check (a pass over every
    // page) runs here, or with deferCheck at the start of loadBase(), so that
    // a caller can overlap it with other work; loadBase() never returns an
    // unchecked base either way.
    static Result<std::unique_ptr<StateStore>> open(const std::string& file, bool readOnly, bool deferCheck = false);

    // How many items the base holds and the bytes of their paths: a cheap
    // count that lets scans reserve their memory before the base is loaded.
    struct BaseSize {
        int64_t items = 0;
        int64_t pathBytes = 0;
    };
    Result<BaseSize> baseSize();
    // The whole base; `size` (from baseSize()) saves counting it again.
    Result<BaseState> loadBase(std::optional<BaseSize> size = std::nullopt);
    // Runs the integrity check that open(deferCheck) put off, if it has not
    // run yet. loadBase() and every write call it first, so nothing is read
    // into a plan or written to the file before the check passed.
    Result<void> ensureChecked();
    std::optional<std::string> meta(const std::string& key);
    Result<void> setMeta(const std::string& key, const std::string& value);

    // Batched writes: begin() … commit(). Outside a batch each call commits.
    Result<void> begin();
    Result<void> commit();
    Result<void> upsert(const BaseEntry& e);
    Result<void> remove(const std::string& path);
    // Moves a path and everything below it to a new path.
    Result<void> renamePrefix(const std::string& from, const std::string& to);
    Result<void> clearBase();
    const std::string& file() const { return m_file; }

private:
    StateStore() = default;
    Error dbError(const std::string& op) const;
    Result<void> validate(int64_t& applicationId, bool deferCheck);
    Result<void> checkIntegrity();
    Result<void> prepareForWrites();
    sqlite3* m_db = nullptr;
    std::string m_file;
    bool m_inBatch = false;
    bool m_memoryOnly = false;
    bool m_readOnly = false;
    bool m_checkPending = false; // open(deferCheck): ensureChecked() has not run yet
    std::unique_ptr<sql::Stmt> m_upsert;
    std::unique_ptr<sql::Stmt> m_remove;
};

} // namespace ferry
