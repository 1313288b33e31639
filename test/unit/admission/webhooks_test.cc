// The webhooks on AdmissionReview v1 JSON as the API server sends it: a
// valid booster is allowed, an invalid one denied with every field error,
// defaults come back as a JSONPatch, and a review that is malformed, of
// another kind or huge gets an answer, never a crash.
#include "admission/webhooks.h"

#include <gtest/gtest.h>

#include <string>

#include "document/base64.h"
#include "document/parse.h"

namespace mb::admission {
namespace {

constexpr const char* kBooster = R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
  "metadata":{"name":"m","namespace":"n"},
  "spec":{"backends":[{"name":"a","type":"vLLM","modelURI":"hf://org/model","cacheURI":"hostpath:///mnt/models",
    "minReplicas":1,"maxReplicas":MAX,"workers":[{"type":"server","image":"vllm/vllm-openai:v0.10.1"}]}]}})";

std::string booster(const std::string& max = "1") {
  std::string b = kBooster;
  b.replace(b.find("MAX"), 3, max);
  return b;
}

std::string review(
    const std::string& object, const std::string& operation = "CREATE",
    const std::string& kind = R"({"group":"workload.serving.volcano.sh","version":"v1alpha1","kind":"ModelBooster"})") {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","kind":)" + kind +
         R"(,"resource":{"group":"workload.serving.volcano.sh","version":"v1alpha1","resource":"modelboosters"},)"
         R"("name":"m","namespace":"n","operation":")" +
         operation + R"(","userInfo":{"username":"alice"},"object":)" + object +
         R"(,"oldObject":null,"dryRun":false}})";
}

document::Value response(const Answer& a) {
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(a.body, v, e)) << e.str() << "\n" << a.body;
  EXPECT_EQ(v.find("apiVersion")->text(), "admission.k8s.io/v1");
  EXPECT_EQ(v.find("kind")->text(), "AdmissionReview");
  return *v.find("response");
}

TEST(ValidatingWebhook, AValidBoosterIsAllowed) {
  Answer a = validateBooster(review(booster()), {});
  EXPECT_EQ(a.outcome, Answer::Outcome::Allowed);
  document::Value r = response(a);
  EXPECT_EQ(r.find("uid")->text(), "u-1");
  EXPECT_TRUE(r.find("allowed")->asBool());
  EXPECT_EQ(r.find("status"), nullptr);
}

// What the serving stack will not do as asked comes back as admission
// warnings (kubectl prints each as "Warning: ..."); the booster is allowed.
TEST(ValidatingWebhook, ServingStackCaveatsAreWarnings) {
  std::string scaled = booster("3");
  scaled.replace(scaled.find(R"("workers")"), 9,
                 R"("autoscalingPolicy":{"metrics":[{"metricName":"kthena:num_requests_waiting","targetValue":10}]},)"
                 R"("workers")");
  core::ConversionOptions v01;
  v01.stack = api::ServingStack::V0_1;
  document::Value r = response(validateBooster(review(scaled), v01));
  EXPECT_TRUE(r.find("allowed")->asBool());
  const document::Value* warnings = r.find("warnings");
  ASSERT_NE(warnings, nullptr) << "no warnings";
  ASSERT_EQ(warnings->items().size(), 2U);
  EXPECT_EQ(warnings->items()[0].text().rfind("metadata.namespace: Kthena v0.1.0's autoscaler only acts", 0), 0U);
  EXPECT_EQ(warnings->items()[1].text().rfind("spec.backends[0].autoscalingPolicy.behavior.scaleDown", 0), 0U);
  // The current release scales this one as asked: no warnings at all.
  EXPECT_EQ(response(validateBooster(review(scaled), {})).find("warnings"), nullptr);
}

TEST(ValidatingWebhook, AnInvalidBoosterIsDeniedWithEveryFieldError) {
  std::string bad = booster("0");
  bad.replace(bad.find(R"("name":"a")"), 10, R"("name":"a","colour":"red")");
  Answer a = validateBooster(review(bad), {});
  EXPECT_EQ(a.outcome, Answer::Outcome::Denied);
  document::Value r = response(a);
  EXPECT_EQ(r.find("uid")->text(), "u-1");
  EXPECT_FALSE(r.find("allowed")->asBool());
  const document::Value* status = r.find("status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->find("code")->text(), "422");
  EXPECT_EQ(status->find("reason")->text(), "Invalid");
  const std::string& message = status->find("message")->text();
  EXPECT_EQ(message.rfind(R"(ModelBooster.workload.serving.volcano.sh "m" is invalid: )", 0), 0U) << message;
  for (const char* field : {"spec.backends[0].maxReplicas", "spec.backends[0].colour"}) {
    EXPECT_NE(message.find(field), std::string::npos) << field << " not in: " << message;
  }
  const document::Value* causes = status->find("details")->find("causes");
  ASSERT_NE(causes, nullptr);
  EXPECT_EQ(causes->items().size(), 2U);
  for (const auto& c : causes->items()) EXPECT_FALSE(c.find("field")->text().empty());
}

TEST(ValidatingWebhook, TheV1SingleBackendShapeIsChecked) {
  std::string ok = R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
    "metadata":{"name":"m","namespace":"n"},"spec":{"backend":{"name":"a","type":"vLLM","modelURI":"hf://o/m",
    "cacheURI":"hostpath:///mnt/models","replicas":2,"workers":[{"type":"server","image":"vllm/vllm-openai:v0.10.1"}]}}})";
  EXPECT_EQ(validateBooster(review(ok), {}).outcome, Answer::Outcome::Allowed);
  std::string both = ok;
  both.replace(both.find(R"("replicas":2)"), 12, R"("replicas":2,"minReplicas":1)");
  EXPECT_EQ(validateBooster(review(both), {}).outcome, Answer::Outcome::Denied);
}

TEST(ValidatingWebhook, UpdatesAreCheckedDeletesAndBoostersBeingDeletedAreNot) {
  EXPECT_EQ(validateBooster(review(booster("0"), "UPDATE"), {}).outcome, Answer::Outcome::Denied);
  EXPECT_EQ(validateBooster(review("null", "DELETE"), {}).outcome, Answer::Outcome::Allowed);
  // A booster going away may have its finalizers removed whatever its spec.
  std::string going = booster("0");
  going.replace(going.find(R"("namespace":"n")"), 15, R"("namespace":"n","deletionTimestamp":"2026-12-01T00:00:00Z")");
  EXPECT_EQ(validateBooster(review(going, "UPDATE"), {}).outcome, Answer::Outcome::Allowed);
}

TEST(ValidatingWebhook, AnotherKindIsLetThrough) {
  Answer a = validateBooster(review(R"({"kind":"Pod"})", "CREATE", R"({"group":"","version":"v1","kind":"Pod"})"), {});
  EXPECT_EQ(a.outcome, Answer::Outcome::Allowed);
}

TEST(ValidatingWebhook, AMalformedReviewGetsAClearDenial) {
  struct Case {
    std::string body;
    std::string says;
  };
  const Case cases[] = {
      {"", "not JSON"},
      {"{", "not JSON"},
      {"[]", "not a JSON object"},
      {R"({"kind":"Pod","apiVersion":"v1"})", "kind must be AdmissionReview"},
      {R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1beta1","request":{"uid":"x"}})",
       "admission.k8s.io/v1beta1 is not served"},
      {R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"})", "no request"},
      {R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"kind":{}}})", "request.uid"},
      {R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":7}})", "request.uid"},
      {R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"x","kind":"ModelBooster"}})",
       "request.kind"},
      {R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"x","kind":{},"operation":1}})",
       "request.operation"},
  };
  for (const auto& c : cases) {
    for (Answer a : {validateBooster(c.body, {}), mutateBooster(c.body)}) {
      EXPECT_EQ(a.outcome, Answer::Outcome::Malformed) << c.body;
      document::Value r = response(a);
      EXPECT_FALSE(r.find("allowed")->asBool()) << c.body;
      EXPECT_EQ(r.find("status")->find("code")->text(), "400");
      EXPECT_NE(r.find("status")->find("message")->text().find(c.says), std::string::npos)
          << c.body << " -> " << r.find("status")->find("message")->text();
    }
  }
  // The uid is answered whenever it could be read.
  Answer a =
      validateBooster(R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u-9"}})", {});
  EXPECT_EQ(response(a).find("uid")->text(), "u-9");
}

TEST(ValidatingWebhook, HugeAndDeepBodiesAreRefusedNotFollowed) {
  std::string huge = review(R"({"metadata":{"name":")" + std::string(17u << 20, 'x') + R"("}})");
  EXPECT_EQ(validateBooster(huge, {}).outcome, Answer::Outcome::Malformed);
  std::string deep = review(std::string(100000, '[') + std::string(100000, ']'));
  EXPECT_EQ(validateBooster(deep, {}).outcome, Answer::Outcome::Malformed);
  EXPECT_EQ(mutateBooster(deep).outcome, Answer::Outcome::Malformed);
}

TEST(MutatingWebhook, DefaultsComeBackAsAJsonPatch) {
  std::string b = booster();
  b.replace(b.find(R"("type":"server",)"), 16, "");
  document::Value r = response(mutateBooster(review(b)));
  EXPECT_TRUE(r.find("allowed")->asBool());
  EXPECT_EQ(r.find("uid")->text(), "u-1");
  ASSERT_NE(r.find("patchType"), nullptr);
  EXPECT_EQ(r.find("patchType")->text(), "JSONPatch");
  auto patch = document::decodeBase64(r.find("patch")->text());
  ASSERT_TRUE(patch);
  EXPECT_EQ(*patch, R"([{"op":"add","path":"/spec/backends/0/workers/0/type","value":"server"},)"
                    R"({"op":"add","path":"/spec/backends/0/workers/0/replicas","value":1},)"
                    R"({"op":"add","path":"/spec/backends/0/workers/0/pods","value":1}])");
}

TEST(MutatingWebhook, NothingMissingNoPatchAndAnInvalidBoosterIsLeftToValidation) {
  std::string full = booster();
  full.replace(full.find(R"("type":"server",)"), 16, R"("type":"server","replicas":1,"pods":1,)");
  document::Value r = response(mutateBooster(review(full)));
  EXPECT_TRUE(r.find("allowed")->asBool());
  EXPECT_EQ(r.find("patch"), nullptr);
  EXPECT_EQ(r.find("patchType"), nullptr);
  EXPECT_TRUE(response(mutateBooster(review(booster("0")))).find("allowed")->asBool());
  EXPECT_EQ(mutateBooster(review("null", "DELETE")).outcome, Answer::Outcome::Allowed);
}

}  // namespace
}  // namespace mb::admission
