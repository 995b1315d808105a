// A temporary folder for one test, removed afterwards. Tests refuse to
// touch anything outside it.
#pragma once

#include <QTemporaryDir>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/time.h>

namespace ferry::test {

class TempDir {
public:
    TempDir() { REQUIRE(m_dir.isValid()); }
    std::string path() const { return m_dir.path().toStdString(); }
    std::string operator/(const std::string& rel) const
    {
        REQUIRE(rel.find("..") == std::string::npos);
        return path() + "/" + rel;
    }

private:
    QTemporaryDir m_dir;
};

inline void writeFile(const std::string& abs, const std::string& content, int64_t mtimeSec = 0)
{
    std::ofstream(abs, std::ios::binary) << content;
    if (mtimeSec) {
        struct timeval tv[2] = {{mtimeSec, 0}, {mtimeSec, 0}};
        ::utimes(abs.c_str(), tv);
    }
}

inline std::string readFile(const std::string& abs)
{
    std::ifstream in(abs, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline bool exists(const std::string& abs)
{
    struct stat st;
    return ::lstat(abs.c_str(), &st) == 0;
}

} // namespace ferry::test
