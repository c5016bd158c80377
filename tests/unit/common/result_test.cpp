// Tests for Result<T, E>.
#include <gtest/gtest.h>

#include <memory>

#include "modelops/common/result.h"

namespace modelops {
namespace {

Result<int> half(int v) {
  if (v % 2) return Error{"Odd", std::to_string(v) + " is odd"};
  return v / 2;
}

TEST(Result, CarriesValueOrError) {
  auto ok = half(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 4);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "Odd");
  EXPECT_EQ(bad.error().message, "3 is odd");
}

TEST(Result, MisuseThrowsInsteadOfReadingGarbage) {
  auto bad = half(3);
  EXPECT_THROW((void)bad.value(), std::logic_error);
  auto ok = half(2);
  EXPECT_THROW((void)ok.error(), std::logic_error);
}

TEST(Result, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  auto p = std::move(r).value();
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, 7);
}

TEST(Status, VoidResult) {
  Status ok;
  EXPECT_TRUE(ok);
  Status bad = Error{"X", "broken"};
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "broken");
}

}  // namespace
}  // namespace modelops
