// Error and Result<T>: how expected failures travel through Ferry's core.
//
// Contract: an Error says what the engine should do (kind), what was being
// done (operation) on which path, what the OS or server said (detail), and
// what the user can do next (nextStep). Value types, safe to copy across
// threads. Exceptions are reserved for programming errors.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ferry {

struct Error {
    enum class Kind {
        Retry,     // transient: worth another attempt
        SkipItem,  // this item failed; the run goes on
        AbortRun,  // the run cannot continue
        Cancelled, // the user or a caller stopped it
    };
    Kind kind = Kind::SkipItem;
    std::string operation;
    std::string path;
    std::string detail;
    std::string nextStep;
    int osError = 0; // errno, when the OS reported it
    // What a caller may act on beyond the kind (a remote side's login): an
    // unknown host key is a configuration error (ferry-cli exit 2 with the
    // fingerprint), a changed one a safety stop (exit 4).
    enum class Code : unsigned char { None, HostKeyUnknown, HostKeyChanged, LoginRefused };
    Code code = Code::None;

    static Error skipItem(std::string op, std::string path, std::string detail, std::string next = {})
    { return {Kind::SkipItem, std::move(op), std::move(path), std::move(detail), std::move(next)}; }
    static Error abortRun(std::string op, std::string path, std::string detail, std::string next = {})
    { return {Kind::AbortRun, std::move(op), std::move(path), std::move(detail), std::move(next)}; }
    static Error retry(std::string op, std::string path, std::string detail, std::string next = {})
    { return {Kind::Retry, std::move(op), std::move(path), std::move(detail), std::move(next)}; }
    static Error cancelled() { return {Kind::Cancelled, "cancel", {}, "cancelled", {}}; }

    // "copy 'a/b.txt': Permission denied. Check that ..."
    std::string message() const;
    bool operator==(const Error&) const = default;
};

// Builds an Error from errno with a next step that fits the errno.
Error errnoError(const std::string& op, const std::string& path, int err);

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error error) : m_v(std::move(error)) {}
    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(m_v); }
    const T& value() const { return std::get<0>(m_v); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const Error& error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

struct Ok {};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Ok) {}
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}
    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error& error() const { return m_error; }

private:
    Error m_error;
    bool m_ok = true;
};

} // namespace ferry
