#include "location.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace ferry {

namespace {

std::string normalisePath(const std::string& p)
{
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos <= p.size()) {
        size_t slash = p.find('/', pos);
        if (slash == std::string::npos)
            slash = p.size();
        std::string part = p.substr(pos, slash - pos);
        pos = slash + 1;
        if (part.empty() || part == ".")
            continue;
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string out;
    for (const std::string& part : parts)
        out += "/" + part;
    return out.empty() ? "/" : out;
}

std::string percentDecode(const std::string& s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : -1; };
            int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += char(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

std::string percentEncode(const std::string& s, const char* special)
{
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        if (std::strchr(special, c) && c != '\0') {
            out += '%';
            out += hex[static_cast<unsigned char>(c) >> 4];
            out += hex[static_cast<unsigned char>(c) & 15];
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

Result<Location> Location::parse(const std::string& text, const std::string& workingDir)
{
    Location loc;
    if (text.empty())
        return Error::abortRun("read location", text, "empty location", "Give a folder path or a URL");
    const size_t sep = text.find("://");
    if (sep == std::string::npos) {
        std::string p = text;
        if (p[0] != '/') {
            if (workingDir.empty())
                return Error::abortRun("read location", text, "relative path without a working folder",
                                       "Give an absolute path");
            p = workingDir + "/" + p;
        }
        loc.path = normalisePath(p);
        return loc;
    }
    const std::string scheme = text.substr(0, sep);
    std::string rest = text.substr(sep + 3);
    if (scheme == "file") {
        if (rest.empty() || rest[0] != '/')
            return Error::abortRun("read location", text, "a file URL needs an absolute path", "Use file:///path");
        loc.path = normalisePath(percentDecode(rest));
        return loc;
    }
    if (scheme == "sftp")
        loc.scheme = Scheme::Sftp;
    else if (scheme == "ftp")
        loc.scheme = Scheme::Ftp;
    else if (scheme == "ftps")
        loc.scheme = Scheme::Ftps;
    else
        return Error::abortRun("read location", text, "unknown scheme '" + scheme + "'",
                               "Use a local path, sftp://, ftp:// or ftps://");
    size_t slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    loc.path = slash == std::string::npos ? "/" : normalisePath(percentDecode(rest.substr(slash)));
    size_t at = authority.rfind('@');
    if (at != std::string::npos) {
        loc.user = percentDecode(authority.substr(0, at));
        loc.host.clear();
        if (loc.user.find(':') != std::string::npos)
            return Error::abortRun("read location", loc.host.empty() ? scheme + "://…" : scheme + "://" + loc.host,
                                   "the URL contains a password",
                                   "Remove the password from the URL; Ferry reads it from the keychain, an "
                                   "environment variable (--password-env) or a prompt");
        authority = authority.substr(at + 1);
    }
    if (!authority.empty() && authority[0] == '[') {
        size_t close = authority.find(']');
        if (close == std::string::npos)
            return Error::abortRun("read location", text, "unclosed '[' in the host", "Write IPv6 hosts as [::1]");
        loc.host = authority.substr(1, close - 1);
        authority = authority.substr(close + 1);
        if (!authority.empty() && authority[0] == ':')
            authority = authority.substr(1);
        else
            authority.clear();
    } else {
        if (std::count(authority.begin(), authority.end(), ':') > 1)
            return Error::abortRun("read location", text, "an IPv6 address without brackets",
                                   "Write IPv6 hosts in brackets: sftp://me@[::1]:2222/path");
        size_t colon = authority.rfind(':');
        loc.host = authority.substr(0, colon);
        authority = colon == std::string::npos ? std::string() : authority.substr(colon + 1);
    }
    if (!loc.host.empty() && loc.host.find_first_of("/\\ \t\n\r") != std::string::npos)
        return Error::abortRun("read location", text, "the host name holds a space or a separator",
                               "Write it as sftp://user@host:port/path");
    if (!authority.empty()) {
        try {
            size_t used = 0;
            loc.port = std::stoi(authority, &used);
            if (used != authority.size() || loc.port <= 0 || loc.port > 65535)
                throw std::out_of_range("port");
        } catch (...) {
            return Error::abortRun("read location", text, "invalid port '" + authority + "'", "Use a port from 1 to 65535");
        }
    }
    if (loc.host.empty())
        return Error::abortRun("read location", text, "no host name", "Write it as sftp://user@host/path");
    return loc;
}

std::string Location::toString() const
{
    if (scheme == Scheme::Local)
        return path;
    std::string s = scheme == Scheme::Sftp ? "sftp://" : scheme == Scheme::Ftp ? "ftp://" : "ftps://";
    // '%' (and in the user '@' and ':') printed encoded, so that parse()
    // reads back exactly this Location: a job stores the printed form.
    if (!user.empty())
        s += percentEncode(user, "%@:/") + "@";
    s += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port)
        s += ":" + std::to_string(port);
    return s + percentEncode(path, "%");
}


} // namespace ferry
