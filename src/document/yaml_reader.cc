// YAML text -> Values, from libyaml's event stream (libyaml's parser is not
// recursive, and we keep our own stack, so deep nesting cannot overflow).
#include <yaml.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "document/duplicate_keys.h"
#include "document/parse.h"
#include "document/yaml_scalar.h"

namespace mb::document {
namespace {

constexpr std::string_view kTagStr = "tag:yaml.org,2002:str";
constexpr std::string_view kTagInt = "tag:yaml.org,2002:int";
constexpr std::string_view kTagFloat = "tag:yaml.org,2002:float";
constexpr std::string_view kTagBool = "tag:yaml.org,2002:bool";
constexpr std::string_view kTagNull = "tag:yaml.org,2002:null";

Mark toMark(const yaml_mark_t& m) { return {static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1)}; }

std::string_view sv(const yaml_char_t* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));  // NOLINT
}

size_t countNodes(const Value& v) {
  // Iterative: an anchored value may be deep.
  size_t n = 0;
  std::vector<const Value*> todo{&v};
  while (!todo.empty()) {
    const Value* cur = todo.back();
    todo.pop_back();
    ++n;
    for (const auto& item : cur->items()) todo.push_back(&item);
    for (const auto& m : cur->members()) todo.push_back(&m.value);
  }
  return n;
}

class Reader {
 public:
  Reader(std::string_view text, const Limits& limits) : text_(text), limits_(limits) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),  // NOLINT
                                 text.size());
  }
  ~Reader() { yaml_parser_delete(&parser_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  bool run(std::vector<Value>& out, ParseError& error) {
    for (;;) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser_, &event)) {
        error = parserError();
        return false;
      }
      std::unique_ptr<yaml_event_t, void (*)(yaml_event_t*)> guard(&event, yaml_event_delete);
      switch (event.type) {
        case YAML_STREAM_END_EVENT:
          return true;
        case YAML_DOCUMENT_START_EVENT:
          anchors_.clear();
          hasRoot_ = false;
          break;
        case YAML_DOCUMENT_END_EVENT:
          if (hasRoot_ && !root_.isNull()) out.push_back(std::move(root_));
          root_ = Value();
          break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
          bool mapping = event.type == YAML_MAPPING_START_EVENT;
          if (!beforeValue(event.start_mark, error)) return false;
          if (open_.size() >= limits_.maxDepth) {
            error = {"nesting deeper than " + std::to_string(limits_.maxDepth) + " levels", toMark(event.start_mark)};
            return false;
          }
          Value container = mapping ? Value::object() : Value::array();
          container.setMark(toMark(event.start_mark));
          const yaml_char_t* anchor = mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
          open_.push_back(Open{std::move(container), std::string(sv(anchor)), {}, false});
          if (!count(1, event.start_mark, error)) return false;
          break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT: {
          Open done = std::move(open_.back());
          open_.pop_back();
          done.value.shrinkToFit();
          if (done.value.isObject()) {
            if (auto dup = findDuplicateKey(done.value.members())) {
              error = {"duplicate key \"" + *dup + "\"", done.value.mark()};
              return false;
            }
          }
          if (!done.anchor.empty()) anchors_[done.anchor] = done.value;
          attach(std::move(done.value));
          break;
        }
        case YAML_SCALAR_EVENT: {
          Value v;
          if (!scalar(event, v, error)) return false;
          if (isKeyPosition()) {
            if (!v.isString() && !v.isNumber() && !v.isBool() && !v.isNull()) {
              error = {"mapping keys must be scalars", toMark(event.start_mark)};
              return false;
            }
            std::string key = v.isBool() ? (v.asBool() ? "true" : "false") : v.isNull() ? "null" : v.text();
            if (key == "<<" && event.data.scalar.plain_implicit) {
              error = {"merge keys (<<) are not supported; write the fields out", toMark(event.start_mark)};
              return false;
            }
            open_.back().key = std::move(key);
            open_.back().haveKey = true;
            break;
          }
          if (!count(1, event.start_mark, error)) return false;
          if (event.data.scalar.anchor != nullptr) anchors_[std::string(sv(event.data.scalar.anchor))] = v;
          attach(std::move(v));
          break;
        }
        case YAML_ALIAS_EVENT: {
          auto it = anchors_.find(std::string(sv(event.data.alias.anchor)));
          if (it == anchors_.end()) {
            error = {"unknown alias *" + std::string(sv(event.data.alias.anchor)), toMark(event.start_mark)};
            return false;
          }
          if (isKeyPosition()) {
            error = {"aliases cannot be mapping keys here", toMark(event.start_mark)};
            return false;
          }
          if (!count(countNodes(it->second), event.start_mark, error)) return false;
          attach(Value(it->second));
          break;
        }
        default:
          break;
      }
    }
  }

 private:
  struct Open {
    Value value;
    std::string anchor;
    std::string key;
    bool haveKey = false;
  };

  bool isKeyPosition() const { return !open_.empty() && open_.back().value.isObject() && !open_.back().haveKey; }

  bool beforeValue(const yaml_mark_t& mark, ParseError& error) {
    if (isKeyPosition()) {
      error = {"mapping keys must be scalars", toMark(mark)};
      return false;
    }
    return true;
  }

  bool count(size_t n, const yaml_mark_t& mark, ParseError& error) {
    nodes_ += n;
    if (nodes_ > limits_.maxNodes) {
      error = {"document has more than " + std::to_string(limits_.maxNodes) + " values (aliases included)",
               toMark(mark)};
      return false;
    }
    return true;
  }

  void attach(Value v) {
    if (open_.empty()) {
      root_ = std::move(v);
      hasRoot_ = true;
      return;
    }
    Open& parent = open_.back();
    if (parent.value.isObject()) {
      parent.value.set(parent.key, std::move(v));  // the key is copied into a document::Text
      parent.key.clear();
      parent.haveKey = false;
    } else {
      parent.value.push(std::move(v));
    }
  }

  bool scalar(const yaml_event_t& event, Value& v, ParseError& error) {
    const auto& s = event.data.scalar;
    std::string_view text(reinterpret_cast<const char*>(s.value), s.length);  // NOLINT
    std::string_view tag = sv(s.tag);
    Mark mark = toMark(event.start_mark);
    bool plain = s.style == YAML_PLAIN_SCALAR_STYLE && s.plain_implicit;
    if (tag == kTagStr || (!plain && tag.empty()) || tag == "!") {
      v = Value(text);
    } else {
      ResolvedScalar r = resolvePlainScalar(text);
      bool wantNumber = tag == kTagInt || tag == kTagFloat;
      if ((wantNumber && r.kind != ScalarKind::Number) || (tag == kTagBool && r.kind != ScalarKind::Bool) ||
          (tag == kTagNull && r.kind != ScalarKind::Null)) {
        error = {"\"" + std::string(text) + "\" does not match its tag " + std::string(tag), mark};
        return false;
      }
      switch (r.kind) {
        case ScalarKind::Null:
          v = Value::null();
          break;
        case ScalarKind::Bool:
          v = Value::boolean(r.boolean);
          break;
        case ScalarKind::Number:
          v = Value::number(std::move(r.number));
          break;
        case ScalarKind::String:
          v = Value(text);
          break;
        case ScalarKind::Unrepresentable:
          error = {"\"" + std::string(text) + "\" (infinity or NaN) cannot be represented in JSON; quote it", mark};
          return false;
      }
    }
    v.setMark(mark);
    return true;
  }

  ParseError parserError() const {
    std::string msg = parser_.problem != nullptr ? parser_.problem : "invalid YAML";
    if (parser_.context != nullptr) {
      // libyaml reports where it gave up (often the end of the input); say
      // where the construct it was reading began, which is what to fix.
      Mark start = toMark(parser_.context_mark);
      msg += std::string(" ") + parser_.context + " that starts at line " + std::to_string(start.line) + ", column " +
             std::to_string(start.column);
    }
    if (parser_.error == YAML_READER_ERROR) {
      // Bad bytes (invalid UTF-8, control characters): libyaml gives only
      // their offset, so count lines up to it.
      return {"invalid YAML: " + msg, markAt(text_, parser_.problem_offset)};
    }
    return {"invalid YAML: " + msg, toMark(parser_.problem_mark)};
  }

  std::string_view text_;
  yaml_parser_t parser_{};
  const Limits& limits_;
  std::vector<Open> open_;
  std::map<std::string, Value> anchors_;
  Value root_;
  bool hasRoot_ = false;
  size_t nodes_ = 0;
};

}  // namespace

bool parseYaml(std::string_view text, std::vector<Value>& out, ParseError& error, const Limits& limits) {
  if (text.size() > limits.maxBytes) {
    error = {"input is " + std::to_string(text.size()) + " bytes; the limit is " + std::to_string(limits.maxBytes), {}};
    return false;
  }
  Reader reader(text, limits);
  return reader.run(out, error);
}

bool parseDocuments(std::string_view text, std::vector<Value>& out, ParseError& error, const Limits& limits) {
  size_t i = text.find_first_not_of(" \t\r\n");
  if (i != std::string_view::npos && (text[i] == '{' || text[i] == '[')) {
    std::vector<Value> values;
    if (parseJsonStream(text, values, error, limits)) {
      for (auto& v : values) out.push_back(std::move(v));
      return true;
    }
    // Not JSON, but maybe YAML that starts with a flow collection
    // (`{kind: List}`), which kubectl reads. If it is neither, the JSON
    // error is the one that fits what the text looks like.
    ParseError yamlError;
    std::vector<Value> documents;
    if (!parseYaml(text, documents, yamlError, limits)) return false;
    for (auto& d : documents) out.push_back(std::move(d));
    return true;
  }
  return parseYaml(text, out, error, limits);
}

std::string ParseError::str() const {
  if (mark.line == 0) return message;
  return "line " + std::to_string(mark.line) + ", column " + std::to_string(mark.column) + ": " + message;
}

}  // namespace mb::document
