// Thin RAII helpers over the SQLite C API, shared by the state and app
// stores. A Db is used by one thread at a time.
#pragma once

#include "common/error.h"

#include <sqlite3.h>
#include <string>

namespace ferry::sql {

class Stmt {
public:
    Stmt() = default;
    Stmt(sqlite3* db, const char* sql);
    ~Stmt();
    Stmt(Stmt&& o) noexcept : m_st(o.m_st) { o.m_st = nullptr; }
    Stmt& operator=(Stmt&& o) noexcept;
    bool valid() const { return m_st != nullptr; }
    Stmt& bind(int i, int64_t v);
    Stmt& bind(int i, const std::string& v);
    Stmt& bindBlob(int i, const void* p, int n);
    Stmt& bindNull(int i);
    int step();            // SQLITE_ROW, SQLITE_DONE or an error code
    void reset();
    int64_t i64(int col) const;
    std::string text(int col) const;
    const void* text(int col, int& len) const; // no copy; valid until the next step
    const void* blob(int col, int& len) const;
    bool isNull(int col) const;

private:
    sqlite3_stmt* m_st = nullptr;
};

// Runs one or more statements without results; returns the SQLite code.
int exec(sqlite3* db, const char* sql);

} // namespace ferry::sql
