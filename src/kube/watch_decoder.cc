#include "kube/watch_decoder.h"

#include "document/parse.h"

namespace mb::kube {

bool WatchDecoder::feed(std::string_view chunk, const std::function<bool(WatchEvent&&)>& onEvent) {
  // Complete lines straight from the chunk when nothing is pending: the
  // common case copies nothing.
  std::string_view data = chunk;
  if (!pending_.empty()) {
    pending_.append(chunk);
    data = pending_;
  }
  size_t start = 0;
  bool keepGoing = true;
  for (size_t nl = data.find('\n', start); nl != std::string_view::npos && keepGoing; nl = data.find('\n', start)) {
    std::string_view line = data.substr(start, nl - start);
    start = nl + 1;
    if (line.empty()) continue;
    document::Value event;
    document::ParseError parseError;
    if (!document::parseJson(line, event, parseError)) {
      ApiError e;
      e.message = "watch stream is not JSON: " + parseError.str();
      error_ = e;
      return false;
    }
    const document::Value* type = event.find("type");
    document::Value* object = event.find("object");
    if (type == nullptr || object == nullptr) continue;
    WatchEvent we;
    const std::string& t = type->text();
    we.type = t == "ADDED"      ? WatchEvent::Type::Added
              : t == "MODIFIED" ? WatchEvent::Type::Modified
              : t == "DELETED"  ? WatchEvent::Type::Deleted
              : t == "BOOKMARK" ? WatchEvent::Type::Bookmark
                                : WatchEvent::Type::Error;
    if (we.type == WatchEvent::Type::Error) {
      error_ = errorFromStatus(*object);
      return false;
    }
    we.object = std::move(*object);
    if (!onEvent(std::move(we))) {
      stoppedByConsumer_ = true;
      keepGoing = false;
    }
  }
  std::string rest(data.substr(start));
  pending_ = std::move(rest);
  return keepGoing;
}

}  // namespace mb::kube
