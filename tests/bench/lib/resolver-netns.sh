# shellcheck shell=bash
# Shared by the benchmark scripts that put a resolver in a network namespace (tests/bench/dns,
# tests/bench/doh): the namespace with its veth pair, and a test CA with one server
# certificate. Sourced; the caller defines die() and removes the namespace in its cleanup.

# bench_setup_netns NETNS HOST_IF PEER_IF SUBNET RESOLVER: NETNS with PEER_IF at RESOLVER/24,
# the host side HOST_IF at SUBNET.1/24 (SUBNET: the first three octets, e.g. 10.60.0).
bench_setup_netns() {
    local netns=$1 host_if=$2 peer_if=$3 subnet=$4 resolver=$5
    # Leftovers of a run that was killed (the caller's lock says none is running now).
    ip link delete "$host_if" 2>/dev/null || true
    ip netns delete "$netns" 2>/dev/null || true
    local pattern=" ${subnet//./\\.}\\."
    if ip -o -4 addr show | grep -q "$pattern"; then
        die "$subnet.0/24 is already in use on this host: $(ip -o -4 addr show | grep "$pattern")"
    fi
    ip netns add "$netns"
    ip link add "$host_if" type veth peer name "$peer_if" netns "$netns"
    ip addr add "$subnet.1/24" dev "$host_if"
    ip link set "$host_if" up
    ip -n "$netns" addr add "$resolver/24" dev "$peer_if"
    ip -n "$netns" link set "$peer_if" up
    ip -n "$netns" link set lo up
}

# bench_make_certificates DIR CA_NAME SUBJECT_ALT_NAME SERIAL: DIR/ca.pem (a CA named
# CA_NAME) and DIR/server.pem + DIR/server.key for SUBJECT_ALT_NAME (e.g. "DNS:x.test" or
# "DNS:x.test,IP:127.0.0.1"; the first DNS name is also the subject). Errors in DIR/openssl.log.
bench_make_certificates() {
    local dir=$1 ca_name=$2 alt_names=$3 serial=$4
    local subject=${alt_names#DNS:}
    subject=${subject%%,*}
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 -subj "/CN=$ca_name" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        2>"$dir/openssl.log" || die "openssl (CA) failed: $(cat "$dir/openssl.log")"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=$subject" \
        2>>"$dir/openssl.log" || die "openssl (key) failed: $(cat "$dir/openssl.log")"
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
        "$alt_names" >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -set_serial "$serial" -days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" \
        2>>"$dir/openssl.log" || die "openssl (certificate) failed: $(cat "$dir/openssl.log")"
}
