#include "core/AuthorizationTable.h"

#include "ApiDescription.h"
#include "TestFiles.h"
#include "common/Names.h"

#include <gtest/gtest.h>
#include <sstream>

using namespace mamori;

namespace {

std::vector<std::string> interfaceFiles() {
    std::vector<std::string> files;
    std::stringstream list(MAMORI_DBUS_INTERFACE_FILES);
    for (std::string file; std::getline(list, file, ':');) {
        files.push_back(file);
    }
    return files;
}

} // namespace

TEST(AuthorizationTable, EveryApiMethodHasAnAction) {
    const auto files = interfaceFiles();
    ASSERT_FALSE(files.empty());
    for (const auto& file : files) {
        for (const auto& [interface, description] : test::parseIntrospectionFile(file)) {
            for (const auto& method : test::methodNames(description)) {
                EXPECT_TRUE(actionFor(interface, method).has_value())
                    << interface << "." << method << " (" << file
                    << ") has no line in AuthorizationTable.cpp and would always be denied";
            }
        }
    }
}

TEST(AuthorizationTable, EveryEntryIsARealMethodWithAKnownAction) {
    test::ApiDescription api;
    for (const auto& file : interfaceFiles()) {
        api.merge(test::parseIntrospectionFile(file));
    }
    const std::set<std::string_view> actions{
        names::action::kManage,           names::action::kDnsConfigure,
        names::action::kDevicesAuthorize, names::action::kDevicesManage,
        names::action::kSandboxManage,    names::action::kSandboxSupervise,
        names::action::kLbmManage};
    for (const auto& entry : authorizationTable()) {
        const auto it = api.find(std::string(entry.interface));
        ASSERT_NE(it, api.end()) << entry.interface << " is not in dbus/";
        EXPECT_TRUE(test::methodNames(it->second).count(std::string(entry.method)))
            << entry.interface << "." << entry.method << " is not in the XML";
        EXPECT_TRUE(actions.count(entry.action)) << entry.action;
    }
}

TEST(AuthorizationTable, UnmappedMethodsHaveNoAction) {
    EXPECT_FALSE(actionFor(names::iface::kManager, "Shutdown").has_value());
    EXPECT_FALSE(actionFor("org.example.Other", "SetEngineEnabled").has_value());
}

TEST(PolkitPolicy, DeclaresEveryActionTheDaemonUses) {
    const std::string policy = MAMORI_SOURCE_DIR "/polkit/org.mamori.policy";
    const std::string text = test::readFile(policy);
    ASSERT_FALSE(text.empty()) << policy;
    for (const auto& entry : authorizationTable()) {
        EXPECT_NE(text.find("<action id=\"" + std::string(entry.action) + "\">"), std::string::npos)
            << entry.action << " missing from " << policy;
    }
}
