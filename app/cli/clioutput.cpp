#include "clioutput.h"

#include <QJsonDocument>

#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace ferry::cli {

int reportFailure(bool json, const std::string& cmd, const std::string& message, int code)
{
    std::fprintf(stderr, "ferry-cli %s: %s\n", cmd.c_str(), message.c_str());
    if (json)
        printJsonLine(QJsonObject{{"exit_code", code},
                                  {"status", code == 2 ? "usage" : "error"},
                                  {"message", QString::fromStdString(message)}});
    return code;
}

void printJsonLine(const QJsonObject& object)
{
    std::printf("%s\n", QJsonDocument(object).toJson(QJsonDocument::Compact).constData());
}

std::string readPasswordFromTerminal(const std::string& prompt)
{
    if (!::isatty(0))
        return {};
    std::fprintf(stderr, "%s", prompt.c_str());
    std::fflush(stderr);
    termios old {};
    const bool tty = ::tcgetattr(0, &old) == 0;
    if (tty) {
        termios noEcho = old;
        noEcho.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(0, TCSANOW, &noEcho);
    }
    std::string line;
    for (int ch; (ch = std::fgetc(stdin)) != EOF && ch != '\n';)
        line += char(ch);
    if (tty)
        ::tcsetattr(0, TCSANOW, &old);
    std::fputc('\n', stderr);
    return line;
}

} // namespace ferry::cli
