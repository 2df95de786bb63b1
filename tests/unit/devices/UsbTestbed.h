// A umockdev testbed with USB root hubs, devices and interfaces that look like the kernel's:
// hex ids and classes, raw `descriptors`, `authorized` files, DEVTYPE properties. Only works
// when the test runs under umockdev-wrapper (LD_PRELOAD), which redirects /sys.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <umockdev.h>
#include <vector>

struct InterfaceSpec {
    uint8_t interfaceClass;
    uint8_t subClass;
    uint8_t protocol;
};

struct DeviceSpec {
    std::string name; // sysfs name, e.g. "1-2"
    uint16_t idVendor = 0x1234;
    uint16_t idProduct = 0x0001;
    std::optional<std::string> serial;
    std::string product = "Test device";
    uint8_t deviceClass = 0;
    std::vector<InterfaceSpec> interfaces;
    bool authorized = false;
};

// Whether this process runs under umockdev's LD_PRELOAD (umockdev-wrapper), without which a
// testbed is invisible to the code under test.
inline bool umockdevPreloaded() {
    const char* preload = std::getenv("LD_PRELOAD");
    return preload != nullptr &&
           std::string_view(preload).find("libumockdev-preload") != std::string_view::npos;
}

// A sysfs attribute's first line, read through the test's own LD_PRELOAD, i.e. from the
// testbed (what mamorid wrote there, e.g. `authorized`).
inline std::string attribute(const std::string& sysPath, const std::string& name) {
    std::ifstream in(sysPath + "/" + name);
    std::string value;
    std::getline(in, value);
    return value;
}

inline constexpr InterfaceSpec kKeyboard{3, 1, 1};
inline constexpr InterfaceSpec kMouse{3, 1, 2};
inline constexpr InterfaceSpec kConsumerControl{3, 0, 0};
inline constexpr InterfaceSpec kStorage{8, 6, 0x50};
inline constexpr InterfaceSpec kAudioControl{1, 1, 0};
inline constexpr InterfaceSpec kAudioStreaming{1, 2, 0};
inline constexpr InterfaceSpec kHub{9, 0, 0};

class UsbTestbed {
    struct GFree {
        void operator()(gchar* text) const { g_free(text); }
    };

public:
    UsbTestbed()
        : testbed_(umockdev_testbed_new()) {}

    static bool active() { return umockdev_in_mock_environment() != 0; }

    // A root hub "usb<bus>" with the given defaults; returns its sysfs path.
    std::string addRootHub(int bus, const std::string& authorizedDefault = "1",
                           const std::string& interfaceDefault = "1") {
        return add("usb" + std::to_string(bus), "",
                   {"authorized_default", authorizedDefault, "interface_authorized_default",
                    interfaceDefault, "authorized", "1", "idVendor", "1d6b", "idProduct", "0002",
                    "bDeviceClass", "09", "busnum", std::to_string(bus), "devnum", "1"},
                   {"DEVTYPE", "usb_device"});
    }

    // A device with its interface nodes (created before the device's uevent, as the kernel
    // does for a configured device); returns the device's sysfs path.
    std::string addDevice(const std::string& parent, const DeviceSpec& spec,
                          bool withInterfaceNodes = true) {
        std::vector<std::string> attributes = {"idVendor",
                                               hex(spec.idVendor, 4),
                                               "idProduct",
                                               hex(spec.idProduct, 4),
                                               "bcdDevice",
                                               "0100",
                                               "bDeviceClass",
                                               hex(spec.deviceClass, 2),
                                               "bDeviceSubClass",
                                               "00",
                                               "bDeviceProtocol",
                                               "00",
                                               "bNumConfigurations",
                                               "1",
                                               "bNumInterfaces",
                                               (spec.interfaces.size() < 10 ? " " : "") +
                                                   std::to_string(spec.interfaces.size()),
                                               "busnum",
                                               "1",
                                               "devnum",
                                               std::to_string(nextDevnum_++),
                                               "speed",
                                               "12",
                                               "version",
                                               " 2.00",
                                               "product",
                                               spec.product,
                                               "manufacturer",
                                               "Mamori Tests",
                                               "authorized",
                                               spec.authorized ? "1" : "0"};
        if (spec.serial) {
            attributes.insert(attributes.end(), {"serial", *spec.serial});
        }
        std::string path = add(spec.name, parent, attributes, {"DEVTYPE", "usb_device"});
        auto blob = descriptors(spec);
        umockdev_testbed_set_attribute_binary(testbed_.get(), path.c_str(), "descriptors",
                                              blob.data(), static_cast<int>(blob.size()));
        if (withInterfaceNodes) {
            for (std::size_t i = 0; i < spec.interfaces.size(); ++i) {
                addInterface(path, spec.name, static_cast<uint8_t>(i), spec.interfaces[i],
                             spec.authorized);
            }
        }
        return path;
    }

    std::string addInterface(const std::string& devicePath, const std::string& deviceName,
                             uint8_t number, const InterfaceSpec& spec, bool authorized = false) {
        return add(deviceName + ":1." + std::to_string(number), devicePath,
                   {"bInterfaceNumber", hex(number, 2), "bInterfaceClass",
                    hex(spec.interfaceClass, 2), "bInterfaceSubClass", hex(spec.subClass, 2),
                    "bInterfaceProtocol", hex(spec.protocol, 2), "bAlternateSetting", " 0",
                    "authorized", authorized ? "1" : "0"},
                   {"DEVTYPE", "usb_interface"});
    }

    void uevent(const std::string& path, const std::string& action) {
        umockdev_testbed_uevent(testbed_.get(), path.c_str(), action.c_str());
    }
    // Plugging in, as the kernel announces it: the device, then each interface ("add" uevents).
    // Returns the device's sysfs path.
    std::string plug(const std::string& parent, const DeviceSpec& spec) {
        auto path = addDevice(parent, spec);
        uevent(path, "add");
        for (std::size_t i = 0; i < spec.interfaces.size(); ++i) {
            uevent(path + "/" + spec.name + ":1." + std::to_string(i), "add");
        }
        return path;
    }
    void remove(const std::string& path) {
        umockdev_testbed_remove_device(testbed_.get(), path.c_str());
    }
    void setAttribute(const std::string& path, const std::string& name, const std::string& v) {
        umockdev_testbed_set_attribute(testbed_.get(), path.c_str(), name.c_str(), v.c_str());
    }

    // Where a /sys path really is (for changes the preload library does not redirect).
    std::string realPath(const std::string& sysPath) const {
        const std::unique_ptr<gchar, GFree> root(umockdev_testbed_get_root_dir(testbed_.get()));
        return std::string(root.get()) + sysPath;
    }

private:
    struct Unref {
        void operator()(UMockdevTestbed* testbed) const { g_object_unref(testbed); }
    };
    static std::string hex(unsigned value, int digits) {
        std::string out(static_cast<std::size_t>(digits), '0');
        for (int i = digits - 1; i >= 0; --i, value >>= 4U) {
            out[static_cast<std::size_t>(i)] = "0123456789abcdef"[value & 0xfU];
        }
        return out;
    }

    static std::vector<guint8> descriptors(const DeviceSpec& spec) {
        const auto lo = [](unsigned v) { return static_cast<guint8>(v & 0xffU); };
        const auto hi = [](unsigned v) { return static_cast<guint8>((v >> 8U) & 0xffU); };
        std::vector<guint8> blob = {18,
                                    1,
                                    0x00,
                                    0x02,
                                    spec.deviceClass,
                                    0,
                                    0,
                                    64,
                                    lo(spec.idVendor),
                                    hi(spec.idVendor),
                                    lo(spec.idProduct),
                                    hi(spec.idProduct),
                                    0x00,
                                    0x01,
                                    1,
                                    2,
                                    3,
                                    1};
        const unsigned total = 9 + 9 * static_cast<unsigned>(spec.interfaces.size());
        const std::vector<guint8> config = {
            9, 2, lo(total), hi(total), static_cast<guint8>(spec.interfaces.size()),
            1, 0, 0x80,      50};
        blob.insert(blob.end(), config.begin(), config.end());
        guint8 number = 0;
        for (const auto& i : spec.interfaces) {
            const std::vector<guint8> interface = {
                9, 4, number++, 0, 0, i.interfaceClass, i.subClass, i.protocol, 0};
            blob.insert(blob.end(), interface.begin(), interface.end());
        }
        return blob;
    }

    std::string add(const std::string& name, const std::string& parent,
                    const std::vector<std::string>& attributes,
                    const std::vector<std::string>& properties) {
        std::vector<gchar*> a = pointers(attributes);
        std::vector<gchar*> p = pointers(properties);
        const std::unique_ptr<gchar, GFree> path(umockdev_testbed_add_devicev(
            testbed_.get(), "usb", name.c_str(), parent.empty() ? nullptr : parent.c_str(),
            a.data(), p.data()));
        return path ? std::string(path.get()) : std::string();
    }

    static std::vector<gchar*> pointers(const std::vector<std::string>& texts) {
        std::vector<gchar*> out;
        for (const auto& text : texts) {
            out.push_back(const_cast<gchar*>(text.c_str())); // NOLINT: GLib's API is not const
        }
        out.push_back(nullptr);
        return out;
    }

    std::unique_ptr<UMockdevTestbed, Unref> testbed_;
    int nextDevnum_ = 2;
};
