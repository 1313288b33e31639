// Reconcile of one ModelBooster (CONTROLLER.md steps 1-8): read it from the
// cache, validate and convert (core::convert: typed children), write each
// child that is missing or differs in a field we own (child_writer.h,
// compared with what the server kept of our last write), replace children
// whose immutable fields changed, delete children no longer desired, read
// the children's status (child_status.h), and write the booster's status
// only when it changed (status.h). Events go to an EventSink.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "controller/caches.h"
#include "controller/child_sync.h"
#include "controller/event_sink.h"
#include "controller/lora_syncer.h"
#include "controller/serving_stack_check.h"
#include "core/conversion_options.h"
#include "kube/client.h"
#include "runtime/worker_pool.h"

namespace mb::controller {

class Reconciler {
 public:
  using ConfigSource = std::function<core::ConversionOptions()>;

  // The reconciler reads the caches, and records in them what it has just
  // written (Store::Writer::applyIfNewer) so that a reconcile starting before
  // the watch delivers those writes does not create a child twice.
  // `stack` (may be null: every kind served) says which child kinds the
  // API server does not serve: a booster that needs one of them gets
  // Failed=True (ServingStackIncomplete) and no child writes at all.
  // Condition transition times are read from `clock` (the manager's one).
  // `lora` (may be null: dynamic LoRA off) brings the entry pods of
  // backends that load adapters at run time to the booster's adapters.
  Reconciler(kube::Client& client, Caches& caches, EventSink* events, ConfigSource config, base::Clock& clock,
             const ServingStackState* stack = nullptr, LoraSyncer* lora = nullptr);

  runtime::Action reconcile(const std::string& key);

  // What the server kept of each child this reconciler wrote. The
  // EventRouter forgets a child the watch saw deleted (by uid: a child
  // replaced since, same name, is remembered on).
  WrittenChildren& written() { return written_; }
  // Children whose server version is remembered (tests, bounds).
  size_t rememberedChildren() const { return written_.size(); }

 private:
  struct Pass;  // state of one reconcile (reconciler.cc)

  kube::Client& client_;
  Caches& caches_;
  EventSink* events_;
  ConfigSource config_;
  base::Clock& clock_;
  const ServingStackState* stack_;
  LoraSyncer* lora_;
  WrittenChildren written_;
};

}  // namespace mb::controller
