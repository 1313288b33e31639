// Scale benchmark against a real control plane (bench/scale/run.sh starts
// it and the controller): create N boosters at once, time until all are
// Initialized, then read the controller's request counts, CPU and peak RSS;
// finally time a raw client creating the same children directly, for the
// ratio of the controller's cost to what the API server allows.
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "controller/caches.h"
#include "core/render.h"
#include "document/parse.h"
#include "kube/factory.h"

namespace {

using Clock = std::chrono::steady_clock;
using mb::document::Value;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Value booster(const Value& base, const std::string& ns, int i) {
  Value b = base;
  b.find("metadata")->put("name", "bench-" + std::to_string(i));
  b.find("metadata")->put("namespace", ns);
  return b;
}

// Runs `work(i)` for i in [0, n) on `threads` threads.
void parallel(int n, int threads, const std::function<void(int)>& work) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) work(i);
    });
  }
  for (auto& t : pool) t.join();
}

bool initialized(const Value& b) {
  const Value* status = b.find("status");
  const Value* conditions = status != nullptr ? status->find("conditions") : nullptr;
  if (conditions == nullptr) return false;
  for (const auto& c : conditions->items()) {
    if (c.find("type")->text() == "Initialized") return c.find("status")->text() == "True";
  }
  return false;
}

std::string procField(int pid, const std::string& file, const std::string& key) {
  std::istringstream in(readFile("/proc/" + std::to_string(pid) + "/" + file));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  }
  return {};
}

double cpuSeconds(int pid) {
  std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  std::vector<std::string> f;
  while (in >> field) f.push_back(field);
  // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after ')'.
  return (std::stod(f.at(11)) + std::stod(f.at(12))) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::map<std::string, double> metrics(const std::string& url) {
  std::map<std::string, double> out;
  FILE* p = popen(("curl -s " + url).c_str(), "r");
  char line[1024];
  while (p != nullptr && fgets(line, sizeof line, p) != nullptr) {
    std::string l(line);
    if (l.rfind("rest_client_requests_total", 0) != 0) continue;
    size_t space = l.rfind(' ');
    out[l.substr(0, space)] = std::stod(l.substr(space + 1));
  }
  if (p != nullptr) pclose(p);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: scale_bench N CONTROLLER_PID METRICS_URL BOOSTER_YAML\n";
    return 2;
  }
  const int n = std::stoi(argv[1]);
  const int controllerPid = std::stoi(argv[2]);
  const std::string metricsUrl = argv[3];
  std::vector<Value> docs;
  mb::document::ParseError perr;
  if (!mb::document::parseYaml(readFile(argv[4]), docs, perr)) {
    std::cerr << perr.str() << "\n";
    return 2;
  }
  const Value base = docs.at(0);
  auto config = mb::kube::loadConfig({});
  if (!config) {
    std::cerr << config.error().message << "\n";
    return 2;
  }
  config->qps = 0;  // the benchmark's own client is not throttled
  auto client = mb::kube::makeClient(*config, mb::base::RealClock::instance(),
                                     mb::kube::standardHooks(*config, nullptr, mb::base::RealClock::instance()));
  const std::string ns = "scale-" + std::to_string(getpid());
  const std::string rawNs = ns + "-raw";
  for (const auto& name : {ns, rawNs}) {
    Value nsObj =
        Value::object({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", Value::object({{"name", name}})}});
    if (!client->create(mb::kube::resources::namespaces(), "", nsObj)) return 1;
  }
  auto before = metrics(metricsUrl);
  double cpuBefore = cpuSeconds(controllerPid);

  // 1. N boosters at once; wait until every one is Initialized.
  auto t0 = Clock::now();
  parallel(n, 16, [&](int i) {
    auto r = client->create(mb::kube::resources::modelBoosters(), ns, booster(base, ns, i));
    if (!r) std::cerr << "create booster " << i << ": " << r.error().str() << "\n";
  });
  auto created = Clock::now();
  int ready = 0;
  while (ready < n) {
    ready = 0;
    mb::kube::ListOptions o;
    o.limit = 500;
    do {
      auto page = client->list(mb::kube::resources::modelBoosters(), ns, o);
      if (!page) break;
      for (const auto& b : page->items) ready += initialized(b) ? 1 : 0;
      o.continueToken = page->continueToken;
    } while (!o.continueToken.empty());
    if (ready < n) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (Clock::now() - t0 > std::chrono::minutes(20)) break;
  }
  auto initializedAt = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let trailing writes land in the counters
  auto after = metrics(metricsUrl);
  double cpu = cpuSeconds(controllerPid) - cpuBefore;
  std::string rss = procField(controllerPid, "status", "VmHWM:");

  // 2. The same children created by a raw client, same concurrency.
  mb::core::RenderResult rendered;
  std::vector<Value> children;
  for (int i = 0; i < n; ++i) {
    Value b = booster(base, rawNs, i);
    b.find("metadata")->put("uid", "00000000-0000-4000-8000-" + std::to_string(100000000000 + i));
    mb::core::RenderResult r;
    if (!mb::core::render(mb::document::toJson(b), mb::core::ConversionOptions{}, mb::core::OutputFormat::Json, true,
                          r))
      return 1;
    Value list;
    if (!mb::document::parseJson(r.output, list, perr)) return 1;
    for (auto& item : list.find("items")->items()) children.push_back(std::move(item));
  }
  auto r0 = Clock::now();
  parallel(static_cast<int>(children.size()), 16, [&](int i) {
    const Value& c = children[static_cast<size_t>(i)];
    std::string kind = c.find("kind")->text();
    auto childKind = mb::api::childKindNamed(kind);
    if (!childKind) {
      std::cerr << "raw create: not a child kind: " << kind << "\n";
      return;
    }
    mb::kube::Resource res = mb::controller::resourceOf(*childKind);
    auto r = client->create(res, rawNs, c);
    if (!r) std::cerr << "raw create: " << r.error().str() << "\n";
  });
  auto rawDone = Clock::now();

  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
  std::cout << "boosters: " << n << " (" << children.size() / static_cast<size_t>(n) << " children each)\n";
  std::cout << "booster creates took: " << secs(created - t0) << " s\n";
  std::cout << "all Initialized after: " << secs(initializedAt - t0) << " s (" << ready << "/" << n << ")\n";
  std::cout << "raw client, same " << children.size() << " child creates: " << secs(rawDone - r0) << " s\n";
  std::cout << "controller / raw: " << secs(initializedAt - t0) / secs(rawDone - r0) << "\n";
  std::cout << "controller CPU: " << cpu << " s; peak RSS:" << rss << "\n";
  std::cout << "controller requests per booster, by verb and code:\n";
  for (const auto& [k, v] : after) {
    double d = v - (before.contains(k) ? before[k] : 0);
    if (d > 0) std::printf("  %-60s %8.0f total  %6.2f per booster\n", k.c_str(), d, d / n);
  }
  for (const auto& name : {ns, rawNs}) (void)client->remove(mb::kube::resources::namespaces(), "", name);
  return ready == n ? 0 : 1;
}
