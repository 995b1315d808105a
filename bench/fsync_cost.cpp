// fsync_cost: what flushing each copy costs, apart from the rest of Ferry.
// Copies the regular files of SRC into DST (folders made first) the way
// LocalBackend does: a temporary beside the target filled with
// copy_file_range, then renamed into place, on THREADS workers. MODE:
//   none       no flush (what Ferry did before)
//   fdatasync  fdatasync(temp) before each rename (what Ferry does now)
//   syncfs     each worker renames in batches of 256 after one syncfs
// Prints the seconds taken. Linux only; used by bench/fsync_cost.sh.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <ftw.h>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

std::vector<std::string> g_files, g_dirs;
size_t g_srcLen = 0;

int collect(const char* path, const struct stat* st, int type, struct FTW*)
{
    std::string rel = std::string(path).substr(g_srcLen);
    if (type == FTW_D && !rel.empty())
        g_dirs.push_back(rel);
    else if (type == FTW_F && S_ISREG(st->st_mode))
        g_files.push_back(rel);
    return 0;
}

void die(const char* what, const std::string& path)
{
    std::fprintf(stderr, "fsync_cost: %s %s: %s\n", what, path.c_str(), std::strerror(errno));
    std::exit(1);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 5) {
        std::fprintf(stderr, "usage: fsync_cost none|fdatasync|syncfs SRC DST THREADS\n");
        return 2;
    }
    const std::string mode = argv[1], src = argv[2], dst = argv[3];
    const int threads = std::max(1, std::atoi(argv[4]));
    const auto t0 = std::chrono::steady_clock::now();
    g_srcLen = src.size();
    if (::nftw(src.c_str(), collect, 64, FTW_PHYS) != 0)
        die("walk", src);
    ::mkdir(dst.c_str(), 0755);
    for (const std::string& d : g_dirs)
        if (::mkdir((dst + d).c_str(), 0755) != 0 && errno != EEXIST)
            die("mkdir", dst + d);
    std::atomic<size_t> next{0};
    auto worker = [&](int id) {
        std::vector<std::pair<std::string, std::string>> batch;
        const int dstFd = ::open(dst.c_str(), O_RDONLY | O_DIRECTORY);
        auto publish = [&] {
            if (batch.empty())
                return;
            if (::syncfs(dstFd) != 0)
                die("syncfs", dst);
            for (auto& [tmp, fin] : batch)
                if (::rename(tmp.c_str(), fin.c_str()) != 0)
                    die("rename", tmp);
            batch.clear();
        };
        for (size_t i; (i = next.fetch_add(1)) < g_files.size();) {
            const std::string& rel = g_files[i];
            const std::string fin = dst + rel;
            const std::string tmp = fin.substr(0, fin.rfind('/') + 1) + ".fsync-cost-" + std::to_string(id) + "-" +
                                    std::to_string(i);
            int in = ::open((src + rel).c_str(), O_RDONLY);
            int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
            if (in < 0 || out < 0)
                die("open", rel);
            for (;;) {
                ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 8 << 20, 0);
                if (n < 0)
                    die("copy", rel);
                if (n == 0)
                    break;
            }
            if (mode == "fdatasync" && ::fdatasync(out) != 0)
                die("fdatasync", tmp);
            ::close(in);
            ::close(out);
            if (mode == "syncfs") {
                batch.emplace_back(tmp, fin);
                if (batch.size() == 256)
                    publish();
            } else if (::rename(tmp.c_str(), fin.c_str()) != 0) {
                die("rename", tmp);
            }
        }
        publish();
        ::close(dstFd);
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back(worker, t);
    for (auto& t : pool)
        t.join();
    std::printf("%.3f\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return 0;
}
