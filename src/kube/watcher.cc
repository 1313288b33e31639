#include "kube/watcher.h"

#include <algorithm>

namespace mb::kube {
namespace {

std::string resourceVersionOf(const document::Value& object) {
  const document::Value* meta = object.find("metadata");
  const document::Value* rv = meta != nullptr ? meta->find("resourceVersion") : nullptr;
  return rv != nullptr && rv->isString() ? rv->text() : std::string();
}

}  // namespace

Watcher::Watcher(Client& client, base::Clock& clock, WatcherConfig config, Store& store,
                 std::function<void(const Change&)> onChange)
    : client_(client),
      clock_(clock),
      config_(std::move(config)),
      store_(store),
      writer_(store),
      onChange_(std::move(onChange)),
      backoff_(config_.initialBackoff),
      rng_(config_.jitterSeed ? *config_.jitterSeed : uint64_t{std::random_device{}()}) {}

std::string Watcher::resourceVersion() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return resourceVersion_;
}

void Watcher::setResourceVersion(std::string rv) {
  std::lock_guard<std::mutex> lock(mutex_);
  resourceVersion_ = std::move(rv);
}

void Watcher::stop() {
  stop_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  wake_.notify_all();
}

std::chrono::milliseconds Watcher::jittered() {
  // Full range jitter around the current step (0.5x to 1.5x), so that many
  // watchers dropped at once do not come back at once.
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  return std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(backoff_.count()) * jitter(rng_)));
}

void Watcher::backoff() {
  state_ = State::Backoff;
  std::chrono::milliseconds wait = jittered();
  backoff_ = std::min(backoff_ * 2, config_.maxBackoff);
  std::unique_lock<std::mutex> lock(mutex_);
  // stop() notifies wake_ under mutex_, so it ends the wait at once.
  clock_.waitUntil(lock, wake_, base::addSaturating(clock_.now(), wait), [&] { return stop_.load(); });
}

bool Watcher::listAll() {
  state_ = State::Listing;
  std::vector<ObjectPtr> all;
  ListOptions options;
  options.labelSelector = config_.labelSelector;
  options.fieldSelector = config_.fieldSelector;
  options.limit = config_.pageSize;
  std::string rv;
  do {
    auto page = client_.list(config_.resource, config_.ns, options);
    if (!page) {
      // An expired continue token means the list took too long: start over.
      return false;
    }
    for (auto& item : page->items) {
      trimForCache(item);
      all.push_back(std::make_shared<const document::Value>(std::move(item)));
    }
    options.continueToken = page->continueToken;
    rv = page->resourceVersion;
  } while (!options.continueToken.empty() && !stop_);
  if (stop_) return false;

  // Diff against the cache so that consumers see what changed while we were
  // away, deletions included, then swap the whole list in at once.
  std::vector<Change> changes;
  if (onChange_) {
    for (const auto& o : all) {
      ObjectPtr old = store_.get(objectKey(*o));
      if (old == nullptr || resourceVersionOf(*old) != resourceVersionOf(*o)) {
        changes.push_back(Change{Change::Type::Applied, o, old});
      }
    }
  }
  std::vector<ObjectPtr> gone = writer_.replace(std::move(all), config_.ns);
  setResourceVersion(rv);
  relists_++;
  if (onChange_) {
    for (const auto& c : changes) onChange_(c);
    for (const auto& g : gone) onChange_(Change{Change::Type::Deleted, g, nullptr});
  }
  return true;
}

bool Watcher::watchOnce() {
  state_ = State::Watching;
  WatchOptions options;
  options.labelSelector = config_.labelSelector;
  options.fieldSelector = config_.fieldSelector;
  options.resourceVersion = resourceVersion();
  options.allowWatchBookmarks = true;
  options.timeoutSeconds = config_.watchTimeoutSeconds;
  auto result = client_.watch(
      config_.resource, config_.ns, options,
      [&](WatchEvent&& event) {
        std::string rv = resourceVersionOf(event.object);
        if (event.type == WatchEvent::Type::Bookmark) {
          if (!rv.empty()) setResourceVersion(rv);
          return !stop_;
        }
        trimForCache(event.object);
        auto object = std::make_shared<const document::Value>(std::move(event.object));
        if (event.type == WatchEvent::Type::Deleted) {
          ObjectPtr previous = writer_.remove(objectKey(*object), object.get());
          if (onChange_) onChange_(Change{Change::Type::Deleted, previous ? previous : object, nullptr});
        } else {
          ObjectPtr previous = writer_.apply(object);
          if (onChange_) onChange_(Change{Change::Type::Applied, object, previous});
        }
        if (!rv.empty()) setResourceVersion(rv);
        resetBackoff();
        return !stop_;
      },
      &stop_);
  if (result) return false;  // the server ended the watch: re-watch
  if (result.error().is(ErrorKind::Gone)) return true;
  backoff();
  return false;
}

void Watcher::resumeFrom(std::string resourceVersion) {
  setResourceVersion(std::move(resourceVersion));
  resume_ = true;
}

void Watcher::run() {
  bool needList = !resume_;
  while (!stop_) {
    if (needList) {
      if (!listAll()) {
        if (stop_) break;
        backoff();
        continue;
      }
      resetBackoff();
      needList = false;
    }
    needList = watchOnce();
    if (!needList) rewatches_++;
  }
  state_ = State::Stopped;
}

}  // namespace mb::kube
