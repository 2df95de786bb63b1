#include "common/Errors.h"

#include "common/Names.h"

#include <gtest/gtest.h>

using namespace mamori;

class ErrorNames : public testing::TestWithParam<ErrorCode> {};

TEST_P(ErrorNames, RoundTripThroughTheTable) {
    const auto name = dbusErrorName(GetParam());
    EXPECT_EQ(errorCodeFromDbusName(name), GetParam());
}

INSTANTIATE_TEST_SUITE_P(All, ErrorNames,
                         testing::Values(ErrorCode::AccessDenied, ErrorCode::InvalidArgs,
                                         ErrorCode::Failed, ErrorCode::Unsupported,
                                         ErrorCode::BadConfig, ErrorCode::StateNotSaved,
                                         ErrorCode::NotFound));

TEST(ErrorNames, FollowTheDesign) {
    EXPECT_EQ(dbusErrorName(ErrorCode::AccessDenied), names::error::kAccessDenied);
    EXPECT_EQ(dbusErrorName(ErrorCode::InvalidArgs), names::error::kInvalidArgs);
    EXPECT_TRUE(dbusErrorName(ErrorCode::Unsupported).starts_with(names::error::kPrefix));
    EXPECT_FALSE(errorCodeFromDbusName("org.example.Error.Nope").has_value());
}
