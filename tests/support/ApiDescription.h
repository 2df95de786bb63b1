// The parts of a D-Bus introspection document that make up an API contract (interfaces, their
// methods with argument names, types and directions, properties with type and access, signals),
// normalized so that the project's XML and a live service's introspection can be compared.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::test {

struct InterfaceDescription {
    std::set<std::string> methods;    // "Name(in s engine, in b enabled)"
    std::set<std::string> properties; // "Name a{sb} read"
    std::set<std::string> signals;    // "Name(s engine)"
};

using ApiDescription = std::map<std::string, InterfaceDescription>;

// Throws std::runtime_error when the document is not well-formed XML.
ApiDescription parseIntrospection(std::string_view xml);
ApiDescription parseIntrospectionFile(const std::string& path);

// What `live` (a running object's introspection) lacks or does differently from each
// interface of `golden` (an XML file of dbus/), one line per difference; empty when they agree.
// Interfaces only `live` has (Properties, Introspectable, ...) are not differences.
std::vector<std::string> differences(const ApiDescription& live, const ApiDescription& golden);

// Bare method names per interface, for the authorization table check.
std::set<std::string> methodNames(const InterfaceDescription& description);

} // namespace mamori::test
