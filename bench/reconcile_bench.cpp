// reconcile_bench: times the Reconciler alone on N synthetic entries per
// side (default 1,000,000), with a base equal to both sides except for a
// 1% change set, and prints
//   RECONCILE entries=N seconds=S actions=A maxrss_MB=M
// Usage: reconcile_bench [N]
#include "engine/reconciler.h"

#include <chrono>
#include <memory>
#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>

using namespace ferry;

int main(int argc, char** argv)
{
    const size_t n = argc > 1 ? size_t(std::strtoull(argv[1], nullptr, 10)) : 1000000;
    const int64_t t0 = int64_t(1700000000) * 1000000000;
    auto leftPtr = std::make_shared<Snapshot>(), rightPtr = std::make_shared<Snapshot>();
    Snapshot& left = *leftPtr;
    Snapshot& right = *rightPtr;
    BaseState base;
    left.entries.reserve(n);
    right.entries.reserve(n);
    base.entries.reserve(n);
    char path[64];
    for (size_t i = 0; i < n; ++i) {
        const size_t leaf = i % 1000;
        std::snprintf(path, sizeof path, "d%zu/d%zu/d%zu/f%07zu.dat", leaf / 100, leaf / 10 % 10, leaf % 10, i);
        Entry e;
        e.path = path;
        e.size = int64_t(i % 4097);
        e.mtimeNs = t0 + int64_t(i) * 1000000000;
        e.fileId = i + 1;
        e.mode = 0644;
        BaseEntry b;
        b.path = path;
        b.size = e.size;
        b.leftMtimeNs = b.rightMtimeNs = e.mtimeNs;
        b.leftId = i + 1;
        b.rightId = i + 1 + n;
        base.entries.add(b);
        Entry r = e;
        r.fileId = i + 1 + n;
        if (i % 100 == 1)
            e.size += 1; // 1% edited on the left
        if (i % 200 == 3)
            continue;    // 0.5% deleted on the left
        left.entries.add(e);
        right.entries.add(r);
    }
    left.sortByPath();
    right.sortByPath();
    base.sortByPath();
    SyncPolicy policy;
    const auto start = std::chrono::steady_clock::now();
    Plan plan = reconcile(leftPtr, rightPtr, base, policy);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("RECONCILE entries=%zu seconds=%.3f actions=%zu maxrss_MB=%.1f\n", n, secs, plan.actions.size(),
                double(ru.ru_maxrss) / 1024.0);
    return plan.actions.empty() ? 1 : 0;
}
