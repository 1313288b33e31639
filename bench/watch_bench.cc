// Watch stream -> store: decoding ModelServing-sized objects (rendered by
// the core, ~10 KB each) from newline-delimited JSON in 16 KiB network
// chunks into the Store, as the watcher does. Reports objects per second
// and the heap bytes each cached object holds.
#include <benchmark/benchmark.h>

#include <malloc.h>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/render.h"
#include "document/parse.h"
#include "kube/store.h"
#include "kube/watch_decoder.h"

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// N distinct ModelServings from the three-backend benchmark booster.
std::string watchStream(int n, size_t& objectBytes) {
  mb::core::RenderResult r;
  if (!mb::core::render(readFile(std::string(MB_SOURCE_DIR) + "/bench/three-backends.yaml"),
                        mb::core::ConversionOptions{}, mb::core::OutputFormat::Json, true, r)) {
    std::abort();
  }
  mb::document::Value list;
  mb::document::ParseError e;
  if (!mb::document::parseJson(r.output, list, e)) std::abort();
  mb::document::Value serving = list.find("items")->items().at(0);
  objectBytes = mb::document::toJson(serving).size();
  std::string stream;
  for (int i = 0; i < n; ++i) {
    serving.find("metadata")->put("name", "serving-" + std::to_string(i));
    serving.find("metadata")->put("resourceVersion", std::to_string(1000 + i));
    stream += R"({"type":"ADDED","object":)" + mb::document::toJson(serving) + "}\n";
  }
  return stream;
}

void BM_WatchStreamIntoStore(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  size_t objectBytes = 0;
  std::string stream = watchStream(n, objectBytes);
  for (auto _ : state) {
    mb::kube::Store store;
    mb::kube::Store::Writer writer(store);
    mb::kube::WatchDecoder decoder;
    constexpr size_t kChunk = 16 * 1024;
    for (size_t i = 0; i < stream.size(); i += kChunk) {
      decoder.feed(std::string_view(stream).substr(i, kChunk), [&](mb::kube::WatchEvent&& e) {
        writer.apply(std::make_shared<const mb::document::Value>(std::move(e.object)));
        return true;
      });
    }
    if (store.size() != static_cast<size_t>(n)) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(stream.size()));
  state.counters["json_bytes_per_object"] = static_cast<double>(objectBytes);
}
BENCHMARK(BM_WatchStreamIntoStore)->Arg(1000)->Unit(benchmark::kMillisecond);

// Heap held by a store of N objects, divided by N (mallinfo2 before/after).
void BM_StoreMemoryPerObject(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  size_t objectBytes = 0;
  std::string stream = watchStream(n, objectBytes);
  double perObject = 0;
  for (auto _ : state) {
    size_t before = mallinfo2().uordblks;
    auto store = std::make_unique<mb::kube::Store>();
    mb::kube::Store::Writer writer(*store);
    mb::kube::WatchDecoder decoder;
    decoder.feed(stream, [&](mb::kube::WatchEvent&& e) {
      writer.apply(std::make_shared<const mb::document::Value>(std::move(e.object)));
      return true;
    });
    size_t after = mallinfo2().uordblks;
    perObject = static_cast<double>(after - before) / n;
    benchmark::DoNotOptimize(store.get());
  }
  state.counters["heap_bytes_per_object"] = perObject;
  state.counters["json_bytes_per_object"] = static_cast<double>(objectBytes);
}
BENCHMARK(BM_StoreMemoryPerObject)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
