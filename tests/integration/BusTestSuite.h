// The fixture every suite against mamorid on a private system bus starts from: one
// SystemBusHarness per suite, started before its first test and torn down after its last, and a
// SetUp that skips with the reason when the suite cannot run here (not root, a missing tool)
// and fails when the harness could not start.
//
// `Suite` is the derived fixture (CRTP): it may declare its own static unavailableReason() (the
// harness's plus whatever else it needs) and a static startSuite(SystemBusHarness&) run once
// after the harness is up (e.g. to start mamorid for the whole suite).
#pragma once

#include "SystemBusHarness.h"

#include <exception>
#include <gtest/gtest.h>
#include <memory>
#include <string>

namespace mamori::test {

template <typename Suite> class BusTestSuite : public testing::Test {
public:
    static std::string unavailableReason() { return SystemBusHarness::unavailableReason(); }
    static void startSuite(SystemBusHarness& /*harness*/) {}

    static void SetUpTestSuite() {
        if (!Suite::unavailableReason().empty()) {
            return;
        }
        try {
            harness_ = std::make_unique<SystemBusHarness>();
            Suite::startSuite(*harness_);
        } catch (const std::exception& e) {
            setUpError_ = e.what();
        }
    }
    static void TearDownTestSuite() { harness_.reset(); }

protected:
    // Derived fixtures call this first and return when IsSkipped() or HasFatalFailure().
    void SetUp() override {
        if (const auto reason = Suite::unavailableReason(); !reason.empty()) {
            GTEST_SKIP() << reason;
        }
        ASSERT_TRUE(harness_) << "the bus harness failed to start: " << setUpError_;
    }

    static inline std::unique_ptr<SystemBusHarness> harness_;
    static inline std::string setUpError_;
};

} // namespace mamori::test
