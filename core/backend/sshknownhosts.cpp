#include "backend/sshknownhosts.h"

#include <libssh/libssh.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ferry::sshknownhosts {

std::string hostPort(const std::string& host, int port)
{
    if (port == 22 || port == 0)
        return host;
    return "[" + host + "]:" + std::to_string(port);
}

namespace {

std::string trimmed(const std::string& s)
{
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return {};
    size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

} // namespace

Lookup lookup(const std::vector<std::string>& files, const std::string& hostPort, ssh_key key)
{
    Lookup changed;
    bool otherTypes = false;
    for (const std::string& file : files) {
        if (file.empty())
            continue;
        std::ifstream in(file);
        std::string raw;
        int lineNo = 0;
        while (std::getline(in, raw)) {
            ++lineNo;
            std::string line = trimmed(raw);
            // "@cert-authority" and "@revoked" lines are not plain host keys:
            // neither can vouch for this key on their own.
            if (line.empty() || line[0] == '#' || line[0] == '@')
                continue;
            ssh_knownhosts_entry* entry = nullptr;
            if (ssh_known_hosts_parse_line(hostPort.c_str(), line.c_str(), &entry) != SSH_OK || !entry) {
                ssh_knownhosts_entry_free(entry);
                continue; // another host, or a line libssh cannot read
            }
            bool same = entry->publickey && ssh_key_cmp(entry->publickey, key, SSH_KEY_CMP_PUBLIC) == 0;
            bool sameType = entry->publickey && ssh_key_type(entry->publickey) == ssh_key_type(key);
            ssh_knownhosts_entry_free(entry);
            if (same)
                return {Lookup::State::Known, file, lineNo, false};
            if (sameType && changed.state == Lookup::State::Unknown)
                changed = {Lookup::State::Changed, file, lineNo, false};
            else if (!sameType)
                otherTypes = true;
        }
    }
    if (changed.state == Lookup::State::Changed)
        return changed;
    Lookup unknown;
    unknown.otherTypesKnown = otherTypes;
    return unknown;
}

Result<void> recordHostKey(const std::string& file, const std::string& hostPort, ssh_key key)
{
    char* base64 = nullptr;
    if (ssh_pki_export_pubkey_base64(key, &base64) != SSH_OK || !base64)
        return Error::abortRun("record the server's host key", file, "the key could not be encoded");
    std::string line = hostPort + " " + keyType(key) + " " + base64 + "\n";
    ssh_string_free_char(base64);

    std::error_code ec;
    std::filesystem::path folder = std::filesystem::path(file).parent_path();
    if (!folder.empty() && !std::filesystem::exists(folder, ec)) {
        std::filesystem::create_directories(folder, ec);
        if (ec)
            return errnoError("record the server's host key", folder.string(), ec.value());
        ::chmod(folder.c_str(), 0700);
    }
    int fd = ::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return errnoError("record the server's host key", file, errno);
    // A file that does not end in a newline would glue our line to its last one.
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
        char last = 0;
        if (::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
            line.insert(0, "\n");
    }
    ssize_t written = ::write(fd, line.data(), line.size());
    int err = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(line.size()))
        return errnoError("record the server's host key", file, written < 0 ? err : EIO);
    return Ok{};
}

std::string fingerprint(ssh_key key)
{
    unsigned char* hash = nullptr;
    size_t length = 0;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK)
        return {};
    char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
    ssh_clean_pubkey_hash(&hash);
    std::string result = text ? text : "";
    ssh_string_free_char(text);
    return result;
}

std::string keyType(ssh_key key)
{
    const char* name = ssh_key_type_to_char(ssh_key_type(key));
    return name ? name : "unknown";
}

} // namespace ferry::sshknownhosts
