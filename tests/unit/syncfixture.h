// Runs SyncRun on two real temporary folders and compares trees.
#pragma once

#include "backend/localbackend.h"
#include "engine/syncrun.h"
#include "tempdir.h"

#include <dirent.h>
#include <map>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace ferry::test {

// path -> "f:<content>", "d", "l:<target>"
inline std::map<std::string, std::string> tree(const std::string& root, bool skipTemps = false)
{
    std::map<std::string, std::string> out;
    std::vector<std::string> pending{""};
    while (!pending.empty()) {
        std::string rel = pending.back();
        pending.pop_back();
        std::string abs = rel.empty() ? root : root + "/" + rel;
        DIR* d = ::opendir(abs.c_str());
        if (!d)
            continue;
        while (struct dirent* de = ::readdir(d)) {
            std::string n = de->d_name;
            if (n == "." || n == "..")
                continue;
            std::string r = rel.empty() ? n : rel + "/" + n;
            std::string a = abs + "/" + n;
            struct stat st;
            ::lstat(a.c_str(), &st);
            if (S_ISDIR(st.st_mode)) {
                out[r] = "d";
                pending.push_back(r);
            } else if (S_ISLNK(st.st_mode)) {
                char buf[4096];
                ssize_t k = ::readlink(a.c_str(), buf, sizeof buf);
                out[r] = "l:" + std::string(buf, size_t(k > 0 ? k : 0));
            } else {
                out[r] = "f:" + readFile(a);
            }
        }
        ::closedir(d);
    }
    (void)skipTemps;
    return out;
}

struct SyncPair {
    TempDir dir;
    std::string left = dir / "L";
    std::string right = dir / "R";
    std::string state = dir / "state.db";
    std::string versions = dir / "versions";
    SyncPair()
    {
        ::mkdir(left.c_str(), 0755);
        ::mkdir(right.c_str(), 0755);
    }
    SyncOptions options(SyncMode mode = SyncMode::TwoWay) const
    {
        SyncOptions o;
        o.mode = mode;
        o.statePath = state;
        o.hostName = "test";
        o.nowNs = int64_t(1764000000) * 1000000000;
        o.threads = 3;
        return o;
    }
    SyncReport sync(SyncOptions o) const
    {
        SyncRun run(std::make_unique<LocalBackend>(left), std::make_unique<LocalBackend>(right), o);
        return run.run();
    }
    SyncReport sync() const { return sync(options()); }
};

} // namespace ferry::test
