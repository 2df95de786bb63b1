// The measured queries of mamori_dns_probe's pair side: an array in MAP_SHARED memory, mapped
// before the fork, which the child writes and the parent reads once the child has exited.
#pragma once

#include "DnsAsker.h"

#include <cstddef>
#include <vector>

namespace mamori::bench {

// One measured query.
struct Sample {
    double microseconds = 0;        // round trip
    double syscallMicroseconds = 0; // in the system calls where the cgroup hooks run
    DnsAsker::Outcome outcome = DnsAsker::Outcome::Error;
};

class SharedSamples {
public:
    // `count` samples, default-initialized. Throws std::system_error if mmap fails.
    explicit SharedSamples(std::size_t count);
    ~SharedSamples();
    SharedSamples(const SharedSamples&) = delete;
    SharedSamples& operator=(const SharedSamples&) = delete;

    Sample& operator[](std::size_t i) { return samples_[i]; }
    std::vector<Sample> copy() const { return {samples_, samples_ + count_}; }

private:
    std::size_t count_;
    std::size_t bytes_;
    Sample* samples_ = nullptr;
};

} // namespace mamori::bench
