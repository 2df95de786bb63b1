#include "ApiDescription.h"

#include <fstream>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace mamori::test {
namespace {

struct XmlDocDeleter {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

std::string attribute(xmlNode* node, const char* name) {
    xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    if (value == nullptr) {
        return {};
    }
    std::string out(reinterpret_cast<const char*>(value));
    xmlFree(value);
    return out;
}

bool isElement(xmlNode* node, const char* name) {
    return node->type == XML_ELEMENT_NODE &&
           xmlStrcmp(node->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

std::string arguments(xmlNode* member, const char* defaultDirection) {
    std::string out = "(";
    bool first = true;
    for (xmlNode* arg = member->children; arg != nullptr; arg = arg->next) {
        if (!isElement(arg, "arg")) {
            continue;
        }
        std::string direction = attribute(arg, "direction");
        if (direction.empty()) {
            direction = defaultDirection;
        }
        out += (first ? "" : ", ") + direction + " " + attribute(arg, "type") + " " +
               attribute(arg, "name");
        first = false;
    }
    return out + ")";
}

InterfaceDescription describeInterface(xmlNode* interface) {
    InterfaceDescription d;
    for (xmlNode* member = interface->children; member != nullptr; member = member->next) {
        if (isElement(member, "method")) {
            d.methods.insert(attribute(member, "name") + arguments(member, "in"));
        } else if (isElement(member, "signal")) {
            d.signals.insert(attribute(member, "name") + arguments(member, "out"));
        } else if (isElement(member, "property")) {
            d.properties.insert(attribute(member, "name") + " " + attribute(member, "type") + " " +
                                attribute(member, "access"));
        }
    }
    return d;
}

} // namespace

ApiDescription parseIntrospection(std::string_view xml) {
    std::unique_ptr<xmlDoc, XmlDocDeleter> doc(
        xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "introspection.xml", nullptr,
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
    if (!doc) {
        throw std::runtime_error("introspection data is not well-formed XML");
    }
    ApiDescription api;
    xmlNode* root = xmlDocGetRootElement(doc.get());
    for (xmlNode* node = root == nullptr ? nullptr : root->children; node != nullptr;
         node = node->next) {
        if (isElement(node, "interface")) {
            api.emplace(attribute(node, "name"), describeInterface(node));
        }
    }
    return api;
}

ApiDescription parseIntrospectionFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::stringstream text;
    text << in.rdbuf();
    return parseIntrospection(text.str());
}

std::set<std::string> methodNames(const InterfaceDescription& description) {
    std::set<std::string> names;
    for (const auto& method : description.methods) {
        names.insert(method.substr(0, method.find('(')));
    }
    return names;
}

namespace {

void compareSets(const std::string& what, const std::set<std::string>& live,
                 const std::set<std::string>& golden, std::vector<std::string>& out) {
    for (const auto& member : golden) {
        if (live.count(member) == 0) {
            out.push_back(what);
            out.back().append(": not served: ").append(member);
        }
    }
    for (const auto& member : live) {
        if (golden.count(member) == 0) {
            out.push_back(what);
            out.back().append(": served but not in the XML: ").append(member);
        }
    }
}

} // namespace

std::vector<std::string> differences(const ApiDescription& live, const ApiDescription& golden) {
    std::vector<std::string> out;
    for (const auto& [name, expected] : golden) {
        const auto it = live.find(name);
        if (it == live.end()) {
            out.push_back(name + " is not served");
            continue;
        }
        compareSets(name + " methods", it->second.methods, expected.methods, out);
        compareSets(name + " properties", it->second.properties, expected.properties, out);
        compareSets(name + " signals", it->second.signals, expected.signals, out);
    }
    return out;
}

} // namespace mamori::test
