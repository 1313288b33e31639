// Value -> block YAML through libyaml's emitter, which owns the quoting
// rules; we only force quotes where a plain scalar would read back as a
// different type, and use literal blocks for multi-line strings (scripts).
#include <yaml.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "document/parse.h"
#include "document/yaml_scalar.h"

namespace mb::document {
namespace {

yaml_char_t* chars(const char* s) { return reinterpret_cast<yaml_char_t*>(const_cast<char*>(s)); }  // NOLINT

int appendOutput(void* data, unsigned char* buffer, size_t size) {
  static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), size);  // NOLINT
  return 1;
}

class Emitter {
 public:
  explicit Emitter(std::string& out) {
    yaml_emitter_initialize(&emitter_);
    yaml_emitter_set_output(&emitter_, appendOutput, &out);
    yaml_emitter_set_unicode(&emitter_, 1);
    yaml_emitter_set_width(&emitter_, -1);
    yaml_emitter_set_indent(&emitter_, 2);
  }
  ~Emitter() { yaml_emitter_delete(&emitter_); }
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  void streamStart() {
    yaml_event_t e;
    yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING);
    emit(e);
  }
  void streamEnd() {
    yaml_event_t e;
    yaml_stream_end_event_initialize(&e);
    emit(e);
  }
  void document(const Value& v, bool first) {
    yaml_event_t e;
    yaml_document_start_event_initialize(&e, nullptr, nullptr, nullptr, first ? 1 : 0);
    emit(e);
    node(v);
    yaml_document_end_event_initialize(&e, 1);
    emit(e);
  }

 private:
  void emit(yaml_event_t& e) {
    if (!yaml_emitter_emit(&emitter_, &e)) {
      throw std::runtime_error(std::string("YAML emitter: ") + (emitter_.problem ? emitter_.problem : "failed"));
    }
  }

  void scalar(std::string_view text, yaml_scalar_style_t style) {
    yaml_event_t e;
    yaml_scalar_event_initialize(&e, nullptr, nullptr, chars(text.data()), static_cast<int>(text.size()), 1, 1, style);
    emit(e);
  }

  void string(const std::string& s) {
    yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
    if (s.find('\n') != std::string::npos) {
      style = YAML_LITERAL_SCALAR_STYLE;
    } else if (resolvePlainScalar(s).kind != ScalarKind::String) {
      style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    }
    scalar(s, style);
  }

  void node(const Value& v) {
    yaml_event_t e;
    switch (v.kind()) {
      case Value::Kind::Null:
        scalar("null", YAML_PLAIN_SCALAR_STYLE);
        break;
      case Value::Kind::Bool:
        scalar(v.asBool() ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
        break;
      case Value::Kind::Number:
        scalar(v.text(), YAML_PLAIN_SCALAR_STYLE);
        break;
      case Value::Kind::String:
        string(v.text());
        break;
      case Value::Kind::Array:
        yaml_sequence_start_event_initialize(&e, nullptr, nullptr, 1,
                                             v.items().empty() ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
        emit(e);
        for (const auto& item : v.items()) node(item);
        yaml_sequence_end_event_initialize(&e);
        emit(e);
        break;
      case Value::Kind::Object:
        yaml_mapping_start_event_initialize(&e, nullptr, nullptr, 1,
                                            v.members().empty() ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
        emit(e);
        for (const auto& m : v.members()) {
          string(m.key.str());
          node(m.value);
        }
        yaml_mapping_end_event_initialize(&e);
        emit(e);
        break;
    }
  }

  yaml_emitter_t emitter_{};
};

}  // namespace

std::string toYaml(const std::vector<const Value*>& documents) {
  std::string out;
  Emitter emitter(out);
  emitter.streamStart();
  bool first = true;
  for (const Value* doc : documents) {
    emitter.document(*doc, first);
    first = false;
  }
  emitter.streamEnd();
  return out;
}

std::string toYaml(const Value& document) { return toYaml(std::vector<const Value*>{&document}); }

}  // namespace mb::document
