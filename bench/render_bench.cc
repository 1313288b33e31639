// Render benchmark: one three-backend booster with LoRA adapters and
// model-level autoscaling, from input bytes to output bytes.
//   JSON -> JSON: what the controller and the webhook do per booster.
//   YAML -> YAML: what `modelbooster render` does.
// Allocations are counted by replacing global operator new.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>

#include "api/model_booster.h"
#include "core/convert.h"
#include "core/render.h"
#include "document/parse.h"

namespace {
// Per thread and not atomic: a locked increment per allocation would itself
// cost ~15% of the render and inflate what we measure.
thread_local size_t tAllocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  ++tAllocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& boosterYaml() {
  static const std::string text = readFile(std::string(MB_SOURCE_DIR) + "/bench/three-backends.yaml");
  return text;
}

const std::string& boosterJson() {
  static const std::string text = [] {
    std::vector<mb::document::Value> docs;
    mb::document::ParseError err;
    if (!mb::document::parseYaml(boosterYaml(), docs, err)) std::abort();
    return mb::document::toJson(docs.at(0));
  }();
  return text;
}

// Input bytes -> children -> compact JSON bytes, as the controller does.
void BM_RenderJsonToJson(benchmark::State& state) {
  const std::string& input = boosterJson();
  mb::core::ConversionOptions config;
  size_t outBytes = 0;
  size_t allocs = 0;
  for (auto _ : state) {
    size_t before = tAllocations;
    mb::document::Value doc;
    mb::document::ParseError err;
    if (!mb::document::parseJson(input, doc, err)) std::abort();
    mb::api::Children children;
    mb::document::Errors errors;
    if (!mb::core::convertDocument(doc, config, children, errors)) std::abort();
    std::string out;
    out.reserve(64 * 1024);
    for (const auto& o : std::move(children).objects()) mb::document::writeJson(o, out);
    benchmark::DoNotOptimize(out.data());
    outBytes = out.size();
    allocs = tAllocations - before;
  }
  state.counters["in_bytes"] = static_cast<double>(input.size());
  state.counters["out_bytes"] = static_cast<double>(outBytes);
  state.counters["allocs_per_op"] = static_cast<double>(allocs);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(input.size()));
}
BENCHMARK(BM_RenderJsonToJson);

// What `modelbooster render -f booster.yaml` does.
void BM_RenderYamlToYaml(benchmark::State& state) {
  const std::string& input = boosterYaml();
  mb::core::ConversionOptions config;
  size_t allocs = 0;
  for (auto _ : state) {
    size_t before = tAllocations;
    mb::core::RenderResult r;
    if (!mb::core::render(input, config, mb::core::OutputFormat::Yaml, true, r)) std::abort();
    benchmark::DoNotOptimize(r.output.data());
    allocs = tAllocations - before;
  }
  state.counters["allocs_per_op"] = static_cast<double>(allocs);
}
BENCHMARK(BM_RenderYamlToYaml);

// The pieces, to see where time goes.
void BM_ParseJson(benchmark::State& state) {
  const std::string& input = boosterJson();
  for (auto _ : state) {
    mb::document::Value doc;
    mb::document::ParseError err;
    benchmark::DoNotOptimize(mb::document::parseJson(input, doc, err));
  }
}
BENCHMARK(BM_ParseJson);

void BM_ConvertOnly(benchmark::State& state) {
  mb::document::Value doc;
  mb::document::ParseError err;
  if (!mb::document::parseJson(boosterJson(), doc, err)) std::abort();
  mb::core::ConversionOptions config;
  for (auto _ : state) {
    mb::api::Children children;
    mb::document::Errors errors;
    benchmark::DoNotOptimize(mb::core::convertDocument(doc, config, children, errors));
  }
}
BENCHMARK(BM_ConvertOnly);

}  // namespace

BENCHMARK_MAIN();

namespace {

std::vector<mb::document::Value> renderedObjects() {
  mb::document::Value doc;
  mb::document::ParseError err;
  if (!mb::document::parseJson(boosterJson(), doc, err)) std::abort();
  mb::api::Children children;
  mb::document::Errors errors;
  if (!mb::core::convertDocument(doc, mb::core::ConversionOptions{}, children, errors)) std::abort();
  return std::move(children).objects();
}

// Writing the finished documents only. Each iteration writes freshly
// rendered documents: shared subtrees cache their JSON, and writing the same
// documents again would measure the cache instead of the writer.
void BM_WriteJsonOnly(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<mb::document::Value> objects = renderedObjects();
    std::string out;
    out.reserve(64 * 1024);
    state.ResumeTiming();
    for (const auto& o : objects) mb::document::writeJson(o, out);
    benchmark::DoNotOptimize(out.data());
    state.PauseTiming();
    objects.clear();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_WriteJsonOnly);

// Typed children -> documents (metadata, labels, moving pod templates).
void BM_EncodeChildren(benchmark::State& state) {
  mb::document::Value doc;
  mb::document::ParseError err;
  if (!mb::document::parseJson(boosterJson(), doc, err)) std::abort();
  for (auto _ : state) {
    state.PauseTiming();
    mb::api::Children children;
    mb::document::Errors errors;
    mb::core::convertDocument(doc, mb::core::ConversionOptions{}, children, errors);
    state.ResumeTiming();
    benchmark::DoNotOptimize(std::move(children).objects());
  }
}
BENCHMARK(BM_EncodeChildren);

}  // namespace
