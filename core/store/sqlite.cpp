#include "sqlite.h"

namespace ferry::sql {

Stmt::Stmt(sqlite3* db, const char* sql)
{
    if (sqlite3_prepare_v2(db, sql, -1, &m_st, nullptr) != SQLITE_OK)
        m_st = nullptr;
}

Stmt::~Stmt() { sqlite3_finalize(m_st); }

Stmt& Stmt::operator=(Stmt&& o) noexcept
{
    if (this != &o) {
        sqlite3_finalize(m_st);
        m_st = o.m_st;
        o.m_st = nullptr;
    }
    return *this;
}

Stmt& Stmt::bind(int i, int64_t v)
{
    sqlite3_bind_int64(m_st, i, v);
    return *this;
}
Stmt& Stmt::bind(int i, const std::string& v)
{
    sqlite3_bind_text(m_st, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
}
Stmt& Stmt::bindBlob(int i, const void* p, int n)
{
    sqlite3_bind_blob(m_st, i, p, n, SQLITE_TRANSIENT);
    return *this;
}
Stmt& Stmt::bindNull(int i)
{
    sqlite3_bind_null(m_st, i);
    return *this;
}
int Stmt::step() { return m_st ? sqlite3_step(m_st) : SQLITE_MISUSE; }
void Stmt::reset()
{
    sqlite3_reset(m_st);
    sqlite3_clear_bindings(m_st);
}
int64_t Stmt::i64(int col) const { return sqlite3_column_int64(m_st, col); }
std::string Stmt::text(int col) const
{
    const unsigned char* p = sqlite3_column_text(m_st, col);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(m_st, col))) : std::string();
}
const void* Stmt::text(int col, int& len) const
{
    const void* p = sqlite3_column_text(m_st, col);
    len = sqlite3_column_bytes(m_st, col);
    return p;
}
const void* Stmt::blob(int col, int& len) const
{
    const void* p = sqlite3_column_blob(m_st, col);
    len = sqlite3_column_bytes(m_st, col);
    return p;
}
bool Stmt::isNull(int col) const { return sqlite3_column_type(m_st, col) == SQLITE_NULL; }

int exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }

} // namespace ferry::sql
