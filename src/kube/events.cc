#include "kube/events.h"

#include <openssl/evp.h>

#include "kube/time_format.h"

namespace mb::kube {
namespace {

std::string field(const document::Value& object, const char* a, const char* b = nullptr) {
  const document::Value* v = object.find(a);
  if (v != nullptr && b != nullptr) v = v->find(b);
  return v != nullptr && v->isString() ? v->text() : std::string();
}

// Event names must be unique per aggregation key and valid names.
std::string shortHash(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 8 && i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

}  // namespace

ObjectRef refTo(const document::Value& object) {
  return ObjectRef{field(object, "apiVersion"), field(object, "kind"), field(object, "metadata", "namespace"),
                   field(object, "metadata", "name"), field(object, "metadata", "uid")};
}

EventRecorder::EventRecorder(Client& client, base::Clock& clock, std::string component, std::string instance,
                             size_t maxQueued)
    : client_(client),
      clock_(clock),
      component_(std::move(component)),
      instance_(std::move(instance)),
      maxQueued_(maxQueued) {
  thread_ = std::thread([this] { loop(); });
}

EventRecorder::~EventRecorder() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void EventRecorder::record(const ObjectRef& object, const std::string& type, const std::string& reason,
                           const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (queue_.size() >= maxQueued_) {
    dropped_++;
    return;
  }
  queue_.push_back(Pending{object, type, reason, message});
  wake_.notify_one();
}

bool EventRecorder::flush(std::chrono::milliseconds bound) {
  // milliseconds::max() does not fit the clock's nanoseconds: it means no bound.
  const bool unbounded = bound >= std::chrono::duration_cast<std::chrono::milliseconds>(base::Duration::max());
  const base::TimePoint deadline = unbounded ? base::TimePoint::max() : base::addSaturating(clock_.now(), bound);
  std::unique_lock<std::mutex> lock(mutex_);
  return clock_.waitUntil(lock, idle_, deadline, [&] { return queue_.empty() && !busy_; });
}

void EventRecorder::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    send(p);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

void EventRecorder::forgetOld(base::TimePoint now) {
  constexpr auto kEventLifetime = std::chrono::hours(1);
  if (now - lastForget_ < std::chrono::minutes(1)) return;
  lastForget_ = now;
  std::erase_if(sent_, [&](const auto& entry) { return now - entry.second.last > kEventLifetime; });
}

void EventRecorder::send(const Pending& p) {
  const Resource events{"", "v1", "events", true};
  std::string key = p.object.uid + "\n" + p.type + "\n" + p.reason + "\n" + p.message;
  std::string now = formatTime(clock_.wallNow());
  const base::TimePoint steadyNow = clock_.now();
  forgetOld(steadyNow);
  auto it = sent_.find(key);
  if (it != sent_.end()) {
    it->second.last = steadyNow;
    // A repeat: bump the count on the Event we made.
    document::Value patch =
        document::Value::object({{"count", document::Value::integer(it->second.count + 1)}, {"lastTimestamp", now}});
    auto patched = client_.patch(events, p.object.ns, it->second.name, PatchType::Merge, patch);
    if (patched) {
      it->second.count++;
      return;
    }
    sent_.erase(it);  // gone (expired by the server): make a new one
  }
  std::string name = p.object.name + "." + shortHash(key);
  document::Value event =
      document::Value::object({{"apiVersion", "v1"},
                               {"kind", "Event"},
                               {"metadata", document::Value::object({{"name", name}, {"namespace", p.object.ns}})},
                               {"involvedObject", document::Value::object({{"apiVersion", p.object.apiVersion},
                                                                           {"kind", p.object.kind},
                                                                           {"namespace", p.object.ns},
                                                                           {"name", p.object.name},
                                                                           {"uid", p.object.uid}})},
                               {"type", p.type},
                               {"reason", p.reason},
                               {"message", p.message},
                               {"count", document::Value::integer(1)},
                               {"firstTimestamp", now},
                               {"lastTimestamp", now},
                               {"source", document::Value::object({{"component", component_}})},
                               {"reportingComponent", component_},
                               {"reportingInstance", instance_}});
  auto created = client_.create(events, p.object.ns, event);
  if (created) {
    sent_[key] = Sent{name, 1, steadyNow};
  } else if (created.error().is(ErrorKind::AlreadyExists)) {
    // Made by an earlier run of this process or another replica: adopt it.
    auto existing = client_.get(events, p.object.ns, name);
    int64_t count = 1;
    if (existing) {
      const document::Value* c = existing->find("count");
      if (c != nullptr && c->isNumber()) count = std::stoll(c->text());
    }
    sent_[key] = Sent{name, count, steadyNow};
    document::Value patch =
        document::Value::object({{"count", document::Value::integer(count + 1)}, {"lastTimestamp", now}});
    if (client_.patch(events, p.object.ns, name, PatchType::Merge, patch)) sent_[key].count = count + 1;
  }
}

}  // namespace mb::kube
