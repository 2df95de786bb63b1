# The Bluetooth part of mamori_devices (BluetoothControl, BluezAdminPolicy, RfkillDevice,
# BtSocketPolicy), included from service/devices/CMakeLists.txt after mamori_devices exists.
# BluezAdminPolicy talks to BlueZ with sdbus-c++ proxies; say so here rather than rely on
# another dependency bringing it in. BtSocketPolicy includes bpf/bt_socket_guard.h by a
# relative path (it shares the decision function with the BPF program) and needs no libbpf.
target_link_libraries(mamori_devices PUBLIC SDBusCpp::sdbus-c++)
