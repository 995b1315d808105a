#include "clioutput.h"

#include <QJsonDocument>

#include <cstdio>

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

} // namespace ferry::cli
