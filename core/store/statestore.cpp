#include "statestore.h"

#include "store/sqlite.h"

#include <QUrl>
#include <sqlite3.h>
#include <sys/stat.h>

namespace ferry {

namespace {
constexpr int kAppId = 0x46455259; // "FERY"
constexpr int kSchemaVersion = 1;

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS base(
  path TEXT PRIMARY KEY, kind INTEGER NOT NULL, size INTEGER NOT NULL,
  lmtime INTEGER NOT NULL, rmtime INTEGER NOT NULL, lid INTEGER NOT NULL, rid INTEGER NOT NULL,
  hash BLOB) WITHOUT ROWID;
)";

bool fileExists(const std::string& f)
{
    struct stat st;
    return ::stat(f.c_str(), &st) == 0;
}
} // namespace

StateStore::~StateStore()
{
    m_upsert.reset();
    m_remove.reset();
    if (m_db) {
        if (m_inBatch)
            sql::exec(m_db, "COMMIT");
        sqlite3_close(m_db);
    }
}

Error StateStore::dbError(const std::string& op) const
{
    return Error::abortRun(op, m_file, m_db ? sqlite3_errmsg(m_db) : "cannot open",
                           "The state file may be damaged: move it aside (the next run is then a first run, which "
                           "never deletes anything) or point --state at another file");
}

Result<std::unique_ptr<StateStore>> StateStore::open(const std::string& file, bool readOnly, bool deferCheck)
{
    std::unique_ptr<StateStore> s(new StateStore);
    s->m_file = file;
    s->m_readOnly = readOnly;
    const bool exists = fileExists(file);
    if (readOnly && !exists) {
        s->m_memoryOnly = true;
        if (sqlite3_open(":memory:", &s->m_db) != SQLITE_OK || sql::exec(s->m_db, kSchema) != SQLITE_OK)
            return s->dbError("open state");
        return s;
    }
    int flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    std::string name = file;
    if (readOnly && !fileExists(file + "-wal")) {
        // A dry run must not leave -wal/-shm files beside the state: with no
        // pending WAL, read the file as immutable (no locks, no shared memory).
        flags |= SQLITE_OPEN_URI;
        QByteArray enc = QUrl::fromLocalFile(QString::fromStdString(file)).toEncoded();
        name = enc.toStdString() + "?immutable=1";
    }
    if (sqlite3_open_v2(name.c_str(), &s->m_db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        return Error::abortRun("open state file", file, s->m_db ? sqlite3_errmsg(s->m_db) : "cannot open",
                               "Check that the file's folder exists and may be written, or choose another --state");
    sqlite3_busy_timeout(s->m_db, 5000);

    // Validate before writing anything: a foreign or corrupt file is left untouched.
    int64_t id = 0;
    {
        auto validated = s->validate(id, deferCheck);
        if (!validated)
            return validated.error();
    }
    if (readOnly) {
        if (id != kAppId) { // an empty file: nothing recorded yet
            sqlite3_close(s->m_db);
            s->m_db = nullptr;
            s->m_memoryOnly = true;
            if (sqlite3_open(":memory:", &s->m_db) != SQLITE_OK || sql::exec(s->m_db, kSchema) != SQLITE_OK)
                return s->dbError("open state");
        }
        return s;
    }
    if (s->m_checkPending)
        return s; // nothing is written before the check (ensureChecked() prepares the file then)
    if (auto prepared = s->prepareForWrites(); !prepared)
        return prepared.error();
    if (id != kAppId) {
        std::string init = std::string(kSchema) + "PRAGMA application_id=" + std::to_string(kAppId) +
                           "; PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";";
        if (sql::exec(s->m_db, init.c_str()) != SQLITE_OK)
            return s->dbError("create state file");
    }
    return s;
}

Result<void> StateStore::validate(int64_t& id, bool deferCheck)
{
    sql::Stmt appId(m_db, "PRAGMA application_id");
    if (!appId.valid() || appId.step() != SQLITE_ROW)
        return Error::abortRun("open state file", m_file, std::string("not a Ferry state database (") + sqlite3_errmsg(m_db) + ")",
                               "Move the file aside or point --state at another file; the next run is then a first run, "
                               "which never deletes anything");
    id = appId.i64(0);
    sql::Stmt tables(m_db, "SELECT count(*) FROM sqlite_master");
    if (!tables.valid() || tables.step() != SQLITE_ROW)
        return dbError("read state file");
    const int64_t tableCount = tables.i64(0);
    if (id != kAppId && tableCount > 0)
        return Error::abortRun("open state file", m_file, "this SQLite file is not a Ferry state database",
                               "Point --state at a Ferry state file or at a new file name");
    if (id == kAppId) {
        if (deferCheck) {
            m_checkPending = true;
        } else if (auto checked = checkIntegrity(); !checked) {
            return checked.error();
        }
        sql::Stmt ver(m_db, "PRAGMA user_version");
        if (ver.step() == SQLITE_ROW && ver.i64(0) > kSchemaVersion)
            return Error::abortRun("open state file", m_file, "written by a newer Ferry",
                                   "Update Ferry, or point --state at another file");
    }
    return Ok{};
}

Result<void> StateStore::checkIntegrity()
{
    sql::Stmt check(m_db, "PRAGMA quick_check(1)");
    if (!check.valid() || check.step() != SQLITE_ROW || check.text(0) != "ok")
        return dbError("check state file");
    return Ok{};
}

Result<void> StateStore::prepareForWrites()
{
    if (sql::exec(m_db, "PRAGMA journal_mode=WAL") != SQLITE_OK || sql::exec(m_db, "PRAGMA synchronous=NORMAL") != SQLITE_OK)
        return dbError("prepare state file");
    return Ok{};
}

Result<void> StateStore::ensureChecked()
{
    if (!m_checkPending)
        return Ok{};
    if (auto checked = checkIntegrity(); !checked)
        return checked.error(); // stays pending: every later call refuses too
    if (!m_readOnly)
        if (auto prepared = prepareForWrites(); !prepared)
            return prepared.error();
    m_checkPending = false;
    return Ok{};
}

Result<StateStore::BaseSize> StateStore::baseSize()
{
    sql::Stmt count(m_db, "SELECT count(*), total(length(CAST(path AS BLOB))) FROM base");
    if (!count.valid() || count.step() != SQLITE_ROW)
        return dbError("read state");
    return BaseSize{count.i64(0), count.i64(1)};
}

Result<BaseState> StateStore::loadBase(std::optional<BaseSize> size)
{
    if (auto checked = ensureChecked(); !checked)
        return checked.error();
    BaseState base;
    if (!size) {
        auto counted = baseSize();
        if (!counted)
            return counted.error();
        size = *counted;
    }
    base.entries.reserve(size_t(size->items), size_t(size->pathBytes));
    sql::Stmt q(m_db, "SELECT path, kind, size, lmtime, rmtime, lid, rid, hash FROM base");
    if (!q.valid())
        return dbError("read state");
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        BaseInfo e;
        int pathLen = 0;
        const char* path = static_cast<const char*>(q.text(0, pathLen));
        e.kind = EntryKind(q.i64(1));
        e.size = q.i64(2);
        e.leftMtimeNs = q.i64(3);
        e.rightMtimeNs = q.i64(4);
        e.leftId = uint64_t(q.i64(5));
        e.rightId = uint64_t(q.i64(6));
        int len = 0;
        const void* h = q.blob(7, len);
        if (h && len == 16) {
            const auto* b = static_cast<const unsigned char*>(h);
            uint64_t lo = 0, hi = 0;
            for (int i = 0; i < 8; ++i) {
                lo |= uint64_t(b[i]) << (8 * i);
                hi |= uint64_t(b[8 + i]) << (8 * i);
            }
            e.hash = {lo, hi};
            e.hasHash = true;
        }
        base.entries.add(std::string_view(path ? path : "", size_t(pathLen)), e);
    }
    if (rc != SQLITE_DONE)
        return dbError("read state");
    base.sortByPath();
    return base;
}

std::optional<std::string> StateStore::meta(const std::string& key)
{
    sql::Stmt q(m_db, "SELECT value FROM meta WHERE key=?");
    q.bind(1, key);
    if (q.step() == SQLITE_ROW)
        return q.text(0);
    return std::nullopt;
}

Result<void> StateStore::setMeta(const std::string& key, const std::string& value)
{
    if (auto checked = ensureChecked(); !checked)
        return checked.error();
    sql::Stmt q(m_db, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value");
    q.bind(1, key).bind(2, value);
    if (q.step() != SQLITE_DONE)
        return dbError("write state");
    return Ok{};
}

Result<void> StateStore::begin()
{
    if (auto checked = ensureChecked(); !checked)
        return checked.error();
    if (m_inBatch)
        return Ok{};
    if (sql::exec(m_db, "BEGIN") != SQLITE_OK)
        return dbError("write state");
    m_inBatch = true;
    return Ok{};
}

Result<void> StateStore::commit()
{
    if (!m_inBatch)
        return Ok{};
    m_inBatch = false;
    if (sql::exec(m_db, "COMMIT") != SQLITE_OK)
        return dbError("write state");
    return Ok{};
}

Result<void> StateStore::upsert(const BaseEntry& e)
{
    if (auto checked = ensureChecked(); !checked)
        return checked.error();
    if (!m_upsert)
        m_upsert = std::make_unique<sql::Stmt>(
            m_db, "INSERT OR REPLACE INTO base(path, kind, size, lmtime, rmtime, lid, rid, hash) VALUES(?,?,?,?,?,?,?,?)");
    sql::Stmt& q = *m_upsert;
    q.reset();
    q.bind(1, e.path).bind(2, int64_t(e.kind)).bind(3, e.size).bind(4, e.leftMtimeNs).bind(5, e.rightMtimeNs);
    q.bind(6, int64_t(e.leftId)).bind(7, int64_t(e.rightId));
    if (e.hasHash) {
        unsigned char b[16];
        for (int i = 0; i < 8; ++i) {
            b[i] = static_cast<unsigned char>(e.hash.lo >> (8 * i));
            b[8 + i] = static_cast<unsigned char>(e.hash.hi >> (8 * i));
        }
        q.bindBlob(8, b, 16);
    } else {
        q.bindNull(8);
    }
    if (q.step() != SQLITE_DONE)
        return dbError("write state");
    return Ok{};
}

Result<void> StateStore::remove(const std::string& path)
{
    if (auto checked = ensureChecked(); !checked)
        return checked.error();
    if (!m_remove)
        m_remove = std::make_unique<sql::Stmt>(m_db, "DELETE FROM base WHERE path=?");
    sql::Stmt& q = *m_remove;
    q.reset();
    q.bind(1, path);
    if (q.step() != SQLITE_DONE)
        return dbError("write state");
    return Ok{};
}

Result<void> StateStore::renamePrefix(const std::string& from, const std::string& to)
{
    if (auto checked = ensureChecked(); !checked)
        return checked.error();
    // Children sort between "from/" and "from0" ('0' follows '/').
    sql::Stmt q(m_db, "UPDATE OR REPLACE base SET path = ?2 || CAST(substr(CAST(path AS BLOB), length(CAST(?1 AS BLOB)) + 1) AS TEXT) "
                      "WHERE path = ?1 OR (path >= ?1 || '/' AND path < ?1 || '0')");
    q.bind(1, from).bind(2, to);
    if (q.step() != SQLITE_DONE)
        return dbError("write state");
    return Ok{};
}

Result<void> StateStore::clearBase()
{
    if (auto checked = ensureChecked(); !checked)
        return checked.error();
    if (sql::exec(m_db, "DELETE FROM base") != SQLITE_OK)
        return dbError("write state");
    return Ok{};
}

} // namespace ferry
