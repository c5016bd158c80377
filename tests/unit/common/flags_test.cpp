// Tests for FlagSet: forms, types, errors that name the flag, usage text.
#include <gtest/gtest.h>

#include "modelops/common/flags.h"

namespace modelops {
namespace {

struct Options {
  std::string kubeconfig;
  std::string ns = "default";
  std::int64_t workers = 2;
  double qps = 20;
  bool leaderElect = false;
  std::chrono::milliseconds lease{15000};
  std::vector<std::string> segments;
};

FlagSet makeFlags(Options& o) {
  FlagSet flags("prog", "Does things.");
  flags.addString("kubeconfig", &o.kubeconfig, "Path to a kubeconfig.", "PATH");
  flags.addString("namespace", &o.ns, "Namespace to watch.");
  flags.addAlias('n', "namespace");
  flags.addInt("workers", &o.workers, "Reconcile workers.");
  flags.addDouble("qps", &o.qps, "Client QPS.");
  flags.addBool("leader-elect", &o.leaderElect, "Use leader election.");
  flags.addDuration("lease-duration", &o.lease, "Lease duration.");
  flags.addStringList("segment", &o.segments, "A segment.");
  return flags;
}

TEST(FlagSet, ParsesEveryForm) {
  Options o;
  auto flags = makeFlags(o);
  ASSERT_TRUE(flags.parse({"--kubeconfig=/a", "-n", "ml", "--workers", "4", "--qps=7.5", "--leader-elect",
                           "--lease-duration", "20s", "--segment", "a", "--segment=b", "pos1", "--", "--x"}));
  EXPECT_EQ(o.kubeconfig, "/a");
  EXPECT_EQ(o.ns, "ml");
  EXPECT_EQ(o.workers, 4);
  EXPECT_DOUBLE_EQ(o.qps, 7.5);
  EXPECT_TRUE(o.leaderElect);
  EXPECT_EQ(o.lease.count(), 20000);
  EXPECT_EQ(o.segments, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(flags.positional(), (std::vector<std::string>{"pos1", "--x"}));
  EXPECT_FALSE(flags.helpRequested());
}

TEST(FlagSet, ShortAliasWithAttachedValue) {
  Options o;
  auto flags = makeFlags(o);
  ASSERT_TRUE(flags.parse({"-nml"}));
  EXPECT_EQ(o.ns, "ml");
}

TEST(FlagSet, BoolAcceptsExplicitFalse) {
  Options o;
  o.leaderElect = true;
  auto flags = makeFlags(o);
  ASSERT_TRUE(flags.parse({"--leader-elect=false"}));
  EXPECT_FALSE(o.leaderElect);
}

TEST(FlagSet, ErrorsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  } cases[] = {
      {{"--workers", "many"}, "--workers"},
      {{"--qps=fast"}, "--qps"},
      {{"--lease-duration", "-5s"}, "--lease-duration"},
      {{"--leader-elect=maybe"}, "--leader-elect"},
      {{"--nope"}, "unknown flag --nope"},
      {{"-z"}, "unknown flag -z"},
      {{"--kubeconfig"}, "--kubeconfig needs a value"},
  };
  for (const auto& c : cases) {
    Options o;
    auto flags = makeFlags(o);
    auto st = flags.parse(c.args);
    ASSERT_FALSE(st) << c.args[0];
    EXPECT_NE(st.error().message.find(c.expected), std::string::npos) << st.error().message;
  }
}

TEST(FlagSet, UsageListsEveryFlagWithDefaults) {
  Options o;
  auto flags = makeFlags(o);
  ASSERT_TRUE(flags.parse({"--help"}));
  EXPECT_TRUE(flags.helpRequested());
  auto text = flags.usage();
  for (const char* needle : {"--kubeconfig PATH", "-n, --namespace", "(default \"default\")", "--workers INT",
                             "(default 2)", "--leader-elect", "(default false)", "--lease-duration DURATION",
                             "(default 15s)", "--segment", "repeatable", "Does things."}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
}

}  // namespace
}  // namespace modelops
