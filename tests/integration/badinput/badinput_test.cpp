// integration.badinput: the bad-input corpus (corpus.h) stored through a permissive CRD (the spec schema
// preserves anything, so the dev server keeps what a cluster with validation off would keep) while the
// real operator runs. Each bad ModelDeployment must end in phase Invalid with an InvalidSpec condition
// whose message names the field, bounded in size (metav1.Condition allows 32768 bytes), and a Warning
// Event; valid ModelDeployments created in between get their Deployments and become Healthy; the
// operator process is the same one, alive, at the end.
#include <unistd.h>

#include "badinput/corpus.h"
#include "operator/operator_fixture.h"

namespace modelops::itest {
namespace {

using badinput::BadItem;

// metav1.Condition's limit on message; Events and status.message are held to the same bound.
constexpr std::size_t kMaxMessageBytes = 32768;
constexpr std::size_t kTenMiB = 10 * 1024 * 1024;

class BadInputTest : public OperatorTest {
 protected:
  // Replaces the spec schema of every served version with one that keeps anything.
  void installPermissiveCrd() {
    auto& client = cluster().client();
    auto crd = client.get(res::customResourceDefinitions(), "", "modeldeployments.modelops.dev");
    ASSERT_TRUE(crd.ok()) << crd.error().message;
    Json updated = *crd;
    for (auto& version : updated["spec"]["versions"])
      version["schema"]["openAPIV3Schema"]["properties"]["spec"] = {{"type", "object"},
                                                                     {"x-kubernetes-preserve-unknown-fields", true}};
    auto put = client.update(res::customResourceDefinitions(), "", updated);
    ASSERT_TRUE(put.ok()) << put.error().message;
  }

  void createBad(const BadItem& item) {
    auto created = cluster().client().create(res::modelDeployments(), kNs, item.object);
    ASSERT_TRUE(created.ok()) << item.name << ": " << created.error().code << " " << created.error().message;
  }
  // Creates the item `make(bytes)`, halving bytes while the server answers 413 (a size limit), so the
  // operator sees the largest the server accepts.
  template <class Make>
  void createLargest(Make make, std::size_t bytes) {
    for (; bytes >= 64 * 1024; bytes /= 2) {
      BadItem item = make(bytes);
      auto created = cluster().client().create(res::modelDeployments(), kNs, item.object);
      if (created.ok()) {
        bad_.push_back({item.name, item.expectField, Json()});
        RecordProperty("stored_bytes_" + item.name, std::to_string(bytes));
        return;
      }
      ASSERT_EQ(created.error().code, 413) << item.name << ": " << created.error().message;
    }
    FAIL() << "the server refused even 64 KiB";
  }

  std::string createValid(int index) {
    std::string name = "valid-" + std::to_string(index);
    cluster().create(res::modelDeployments(), kNs,
                     modelDeployment(name, "1.0.0", 1, canaryStrategy(Json::parse(R"([{"setWeight": 50}])"))));
    return name;
  }

  ::testing::AssertionResult checkInvalid(const BadItem& item) {
    if (!waitFor([&] { return phase(item.name) == "Invalid"; }, 60s))
      return ::testing::AssertionFailure() << item.name << " not Invalid; phase \"" << phase(item.name) << "\"\n"
                                           << logTail();
    auto st = status(item.name);
    const Json* c = findCondition(st, "InvalidSpec");
    if (!c) return ::testing::AssertionFailure() << item.name << ": no InvalidSpec condition";
    std::string message = c->value("message", "");
    if (c->value("status", "") != "True" || c->value("reason", "") != "InvalidSpec")
      return ::testing::AssertionFailure() << item.name << ": InvalidSpec condition " << c->dump().substr(0, 2000);
    if (message.find(item.expectField) == std::string::npos)
      return ::testing::AssertionFailure() << item.name << ": message does not name " << item.expectField << ": "
                                           << message.substr(0, 2000);
    if (message.size() > kMaxMessageBytes || st.value("message", "").size() > kMaxMessageBytes)
      return ::testing::AssertionFailure() << item.name << ": condition message " << message.size()
                                           << " bytes, status.message " << st.value("message", "").size() << " bytes";
    auto events = eventsWithReason(item.name, "InvalidSpec", 10s);
    if (events.empty()) return ::testing::AssertionFailure() << item.name << ": no InvalidSpec Event";
    const Json& e = events.front();
    if (e.value("type", "") != "Warning" || e.value("message", "").find(item.expectField) == std::string::npos ||
        e.value("message", "").size() > kMaxMessageBytes)
      return ::testing::AssertionFailure() << item.name << ": Event " << e.dump().substr(0, 2000);
    return ::testing::AssertionSuccess();
  }

  std::vector<BadItem> bad_;  // expectations of everything created (large objects not kept)
};

TEST_F(BadInputTest, BadSpecsAreInvalidAndValidOnesKeepReconciling) {
  installPermissiveCrd();
  if (HasFatalFailure()) return;
  startOperator();
  const pid_t pid = op().process().pid();

  auto corpus = badinput::loadCorpus(sourceDir() + "/tests/integration/badinput/corpus");
  ASSERT_GE(corpus.size(), 20u);
  corpus.push_back(badinput::hugeStepArray());
  corpus.push_back(badinput::deepNesting(10000));

  // Bad and valid ModelDeployments interleaved, while the operator runs.
  std::vector<std::string> valid;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    createBad(corpus[i]);
    if (HasFatalFailure()) return;
    bad_.push_back(corpus[i]);
    if (i % 6 == 5) valid.push_back(createValid(static_cast<int>(valid.size())));
  }
  createLargest(badinput::longVariantName, kTenMiB);
  valid.push_back(createValid(static_cast<int>(valid.size())));
  createLargest(badinput::longDuration, kTenMiB);
  if (HasFatalFailure()) return;
  valid.push_back(createValid(static_cast<int>(valid.size())));

  for (const auto& name : valid) {
    ASSERT_TRUE(waitHealthyAt(name, "1.0.0", 60s));
    EXPECT_FALSE(deploymentFor(name, "1.0.0").is_null()) << name << " has no Deployment";
  }
  for (const auto& item : bad_) EXPECT_TRUE(checkInvalid(item));

  // Still the same process, alive, and still rolling out: a new version of a valid one completes.
  EXPECT_TRUE(op().process().running()) << logTail();
  EXPECT_EQ(op().process().pid(), pid);
  ASSERT_EQ(setVersion(valid.front(), "2.0.0"), "");
  EXPECT_TRUE(waitHealthyAt(valid.front(), "2.0.0", 60s));
  EXPECT_FALSE(op().scrapeMetrics().empty()) << "the metrics endpoint stopped answering";
  EXPECT_TRUE(op().process().running()) << logTail();
}

}  // namespace
}  // namespace modelops::itest
