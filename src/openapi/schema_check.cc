#include "openapi/schema_check.h"

#include <re2/re2.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

namespace mb::openapi {
namespace {

using Kind = document::Value::Kind;

enum class Type : uint8_t { None, Object, Array, String, Integer, Number, Boolean, Other };

Type typeOf(const document::Value* type) {
  if (type == nullptr || !type->isString()) return Type::None;
  const std::string& t = type->text();
  if (t == "object") return Type::Object;
  if (t == "array") return Type::Array;
  if (t == "string") return Type::String;
  if (t == "integer") return Type::Integer;
  if (t == "number") return Type::Number;
  if (t == "boolean") return Type::Boolean;
  return Type::Other;  // not a structural type; not checked
}

// The keywords of one schema node, gathered in one pass over its members.
struct Keywords {
  Type type = Type::None;
  const document::Value* format = nullptr;
  const document::Value* properties = nullptr;
  const document::Value* additionalProperties = nullptr;
  const document::Value* items = nullptr;
  const document::Value* required = nullptr;
  const document::Value* enumValues = nullptr;
  const document::Value* pattern = nullptr;
  const document::Value* minLength = nullptr;
  const document::Value* maxLength = nullptr;
  const document::Value* minItems = nullptr;
  const document::Value* maxItems = nullptr;
  const document::Value* minProperties = nullptr;
  const document::Value* maxProperties = nullptr;
  const document::Value* minimum = nullptr;
  const document::Value* maximum = nullptr;
  const document::Value* anyOf = nullptr;
  const document::Value* allOf = nullptr;
  bool nullable = false;
  bool intOrString = false;
  bool preserveUnknown = false;
  bool embeddedResource = false;
  bool exclusiveMinimum = false;
  bool exclusiveMaximum = false;
};

bool isTrue(const document::Value& v) { return v.isBool() && v.asBool(); }

Keywords readKeywords(const document::Value& schema) {
  Keywords k;
  for (const auto& m : schema.members()) {
    std::string_view key = m.key.view();
    const document::Value* v = &m.value;
    if (key == "type") {
      k.type = typeOf(v);
    } else if (key == "properties") {
      k.properties = v;
    } else if (key == "items") {
      k.items = v;
    } else if (key == "required") {
      k.required = v;
    } else if (key == "enum") {
      k.enumValues = v;
    } else if (key == "pattern") {
      k.pattern = v;
    } else if (key == "maxLength") {
      k.maxLength = v;
    } else if (key == "minLength") {
      k.minLength = v;
    } else if (key == "maxItems") {
      k.maxItems = v;
    } else if (key == "minItems") {
      k.minItems = v;
    } else if (key == "minimum") {
      k.minimum = v;
    } else if (key == "maximum") {
      k.maximum = v;
    } else if (key == "format") {
      k.format = v;
    } else if (key == "additionalProperties") {
      k.additionalProperties = v;
    } else if (key == "maxProperties") {
      k.maxProperties = v;
    } else if (key == "minProperties") {
      k.minProperties = v;
    } else if (key == "anyOf") {
      k.anyOf = v;
    } else if (key == "allOf") {
      k.allOf = v;
    } else if (key == "nullable") {
      k.nullable = isTrue(*v);
    } else if (key == "x-kubernetes-int-or-string") {
      k.intOrString = isTrue(*v);
    } else if (key == "x-kubernetes-preserve-unknown-fields") {
      k.preserveUnknown = isTrue(*v);
    } else if (key == "x-kubernetes-embedded-resource") {
      k.embeddedResource = isTrue(*v);
    } else if (key == "exclusiveMinimum") {
      k.exclusiveMinimum = isTrue(*v);
    } else if (key == "exclusiveMaximum") {
      k.exclusiveMaximum = isTrue(*v);
    }
    // description, default, example, title, x-kubernetes-validations and
    // the list/map type markers are not checked here.
  }
  return k;
}

// The patterns of our CRDs that have a name a user knows; others are shown
// as they are.
std::string patternMessage(const std::string& pattern, const std::string& text) {
  static const std::map<std::string, std::string, std::less<>> kKnown = {
      {R"(^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$)",
       "must be a quantity such as 2, 500m or 16Gi"},
      {R"(^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$)", "must be a duration such as 30s, 5m or 1h30m"},
      {"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "must be a DNS label (lower-case letters, digits and '-')"},
  };
  auto it = kKnown.find(pattern);
  std::string what = it != kKnown.end() ? it->second : "must match " + pattern;
  return what + ", not \"" + text + "\"";
}

// ------------------------------------------------------------------ numbers

// An integer as the API server takes it: digits with an optional '-', or a
// float literal with an integral value (3.0, 1e3), which JSON cannot tell
// apart and which kubectl's YAML conversion writes either way.
bool isIntegerLiteral(std::string_view t) {
  std::string_view digits = t;
  if (!digits.empty() && digits[0] == '-') digits.remove_prefix(1);
  if (digits.empty()) return false;
  bool plain = true;
  for (char c : digits) plain = plain && c >= '0' && c <= '9';
  if (plain) return true;
  double d = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  return ec == std::errc() && ptr == t.data() + t.size() && std::isfinite(d) && std::floor(d) == d &&
         std::fabs(d) <= 9007199254740992.0;  // 2^53: exact in a double
}

bool parseInt(std::string_view t, int64_t& out) {
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && ptr == t.data() + t.size();
}

// A JSON number literal as a double; out-of-range literals become infinity
// or zero, as their exponent says.
double parseDouble(std::string_view t) {
  double d = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec == std::errc::result_out_of_range) {
    size_t e = t.find_first_of("eE");
    bool tiny = e != std::string_view::npos && e + 1 < t.size() && t[e + 1] == '-';
    bool negative = !t.empty() && t[0] == '-';
    if (tiny) return 0;
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  (void)ptr;
  return d;
}

// Compares two number literals: exactly when both are 64-bit integers,
// otherwise as doubles. Returns <0, 0 or >0.
int compareNumbers(std::string_view a, std::string_view b) {
  int64_t x = 0;
  int64_t y = 0;
  if (parseInt(a, x) && parseInt(b, y)) return x < y ? -1 : x > y ? 1 : 0;
  double dx = parseDouble(a);
  double dy = parseDouble(b);
  return dx < dy ? -1 : dx > dy ? 1 : 0;
}

// A non-negative integer keyword of the schema (maxLength, minItems, ...).
bool schemaCount(const document::Value* v, uint64_t& out) {
  if (v == nullptr || !v->isNumber()) return false;
  const std::string& t = v->text();
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && ptr == t.data() + t.size();
}

// ------------------------------------------------------------------ messages

std::string plural(uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

const char* typePhrase(Type t) {
  switch (t) {
    case Type::Object:
      return "an object";
    case Type::Array:
      return "a list";
    case Type::String:
      return "a string";
    case Type::Integer:
      return "an integer";
    case Type::Number:
      return "a number";
    case Type::Boolean:
      return "true or false";
    default:
      return "valid";
  }
}

// How a wrong value is named after "not": its kind, or a number's literal
// where an integer was asked for (`must be an integer, not 1.5`).
std::string describe(const document::Value& v, bool integerWanted = false) {
  if (integerWanted && v.isNumber()) return v.text();
  return document::Value::kindArticle(v.kind());
}

// An enum value or offending value as it appears in a message.
std::string quoted(const document::Value& v) {
  switch (v.kind()) {
    case Kind::String:
      return "\"" + v.text() + "\"";
    case Kind::Number:
      return v.text();
    case Kind::Bool:
      return v.asBool() ? "true" : "false";
    default:
      return document::Value::kindArticle(v.kind());
  }
}

std::string enumText(const document::Value& v) {
  if (v.isString() && v.text().empty()) return "\"\"";
  if (v.isString() || v.isNumber()) return v.text();
  return quoted(v);
}

// ------------------------------------------------------------------ patterns

// Each distinct pattern compiled once per process, with RE2: the dialect
// the API server itself matches CRD patterns with (Go's regexp), in time
// linear in the input and without recursion, so untrusted strings of any
// length are safe to match.
const re2::RE2* compiledPattern(const std::string& pattern) {
  static std::mutex mu;
  // Never destroyed: a checker may still run on another thread at exit.
  static auto* cache = new std::map<std::string, std::unique_ptr<const re2::RE2>, std::less<>>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(pattern);
  if (it != cache->end()) return it->second.get();
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<const re2::RE2>(pattern, options);
  // A pattern RE2 cannot take is not checked (the API server would not
  // have accepted the CRD).
  if (!re->ok()) re.reset();
  return cache->emplace(pattern, std::move(re)).first->second.get();
}

// Unicode code points of UTF-8 text, counted as Kubernetes does.
uint64_t codePoints(std::string_view s) {
  uint64_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// ------------------------------------------------------------------ checker

class Checker {
 public:
  explicit Checker(document::Errors& errors) : errors_(errors) {}

  // `resourceRoot`: `value` is the root of a resource (the document, or an
  // embedded resource), whose metadata the API server validates itself.
  void check(const document::Value& schema, const document::Value& value, const document::Path& path,
             bool resourceRoot);

 private:
  bool checkType(const Keywords& k, const document::Value& value, const document::Path& path);
  bool checkBranches(const Keywords& k, const document::Value& value, const document::Path& path);
  void checkEnum(const document::Value& values, const document::Value& value, const document::Path& path);
  void checkString(const Keywords& k, const document::Value& value, const document::Path& path);
  void checkNumber(const Keywords& k, const document::Value& value, const document::Path& path);
  void checkArray(const Keywords& k, const document::Value& value, const document::Path& path);
  void checkObject(const Keywords& k, const document::Value& value, const document::Path& path, bool resourceRoot);

  document::Errors& errors_;
};

bool matchesType(Type t, const document::Value& v) {
  switch (t) {
    case Type::Object:
      return v.isObject();
    case Type::Array:
      return v.isArray();
    case Type::String:
      return v.isString();
    case Type::Integer:
      return v.isNumber() && isIntegerLiteral(v.text());
    case Type::Number:
      return v.isNumber();
    case Type::Boolean:
      return v.isBool();
    default:
      return true;
  }
}

void Checker::check(const document::Value& schema, const document::Value& value, const document::Path& path,
                    bool resourceRoot) {
  if (!schema.isObject()) return;
  Keywords k = readKeywords(schema);
  if (value.isNull()) {
    if (k.nullable) return;
    if (k.intOrString || (k.type != Type::None && k.type != Type::Other)) checkType(k, value, path);
    return;
  }
  if (!checkType(k, value, path)) return;
  if (!checkBranches(k, value, path)) return;
  if (k.enumValues != nullptr && k.enumValues->isArray()) checkEnum(*k.enumValues, value, path);
  switch (value.kind()) {
    case Kind::String:
      checkString(k, value, path);
      break;
    case Kind::Number:
      checkNumber(k, value, path);
      break;
    case Kind::Array:
      checkArray(k, value, path);
      break;
    case Kind::Object:
      checkObject(k, value, path, resourceRoot);
      break;
    default:
      break;
  }
}

bool Checker::checkType(const Keywords& k, const document::Value& value, const document::Path& path) {
  if (k.intOrString) {
    if (value.isString() || matchesType(Type::Integer, value)) return true;
    errors_.add(path, "must be an integer or a string, not " + describe(value, true), value.mark());
    return false;
  }
  if (matchesType(k.type, value) && !value.isNull()) return true;
  if (k.type == Type::None || k.type == Type::Other) return !value.isNull();
  errors_.add(path, std::string("must be ") + typePhrase(k.type) + ", not " + describe(value, k.type == Type::Integer),
              value.mark());
  return false;
}

// anyOf and allOf, as these CRDs use them: alongside int-or-string, with
// only a type in each branch. Only the branches' types are checked.
bool Checker::checkBranches(const Keywords& k, const document::Value& value, const document::Path& path) {
  if (k.intOrString) return true;  // its branches are integer and string
  if (k.anyOf != nullptr && k.anyOf->isArray() && !k.anyOf->items().empty()) {
    bool any = false;
    bool integerWanted = false;
    std::string allowed;
    for (const auto& branch : k.anyOf->items()) {
      Type t = typeOf(branch.find("type"));
      if (t == Type::None || t == Type::Other || matchesType(t, value)) {
        any = true;
        break;
      }
      integerWanted = integerWanted || t == Type::Integer;
      if (!allowed.empty()) allowed += " or ";
      allowed += typePhrase(t);
    }
    if (!any) {
      errors_.add(path, "must be " + allowed + ", not " + describe(value, integerWanted), value.mark());
      return false;
    }
  }
  if (k.allOf != nullptr && k.allOf->isArray()) {
    for (const auto& branch : k.allOf->items()) {
      Type t = typeOf(branch.find("type"));
      if (t != Type::None && t != Type::Other && !matchesType(t, value)) {
        errors_.add(path, std::string("must be ") + typePhrase(t) + ", not " + describe(value, t == Type::Integer),
                    value.mark());
        return false;
      }
    }
  }
  return true;
}

void Checker::checkEnum(const document::Value& values, const document::Value& value, const document::Path& path) {
  for (const auto& allowed : values.items()) {
    if (allowed.kind() != value.kind()) continue;
    switch (value.kind()) {
      case Kind::String:
      case Kind::Number:
        if (allowed.text() == value.text()) return;
        break;
      case Kind::Bool:
        if (allowed.asBool() == value.asBool()) return;
        break;
      default:
        if (document::equal(allowed, value)) return;
        break;
    }
  }
  std::string message = "must be one of: ";
  bool first = true;
  for (const auto& allowed : values.items()) {
    if (!first) message += ", ";
    first = false;
    message += enumText(allowed);
  }
  message += "; not " + quoted(value);
  errors_.add(path, std::move(message), value.mark());
}

void Checker::checkString(const Keywords& k, const document::Value& value, const document::Path& path) {
  const std::string& s = value.text();
  bool tooLong = false;
  uint64_t limit = 0;
  if (schemaCount(k.maxLength, limit) || schemaCount(k.minLength, limit)) {
    uint64_t n = codePoints(s);
    if (schemaCount(k.maxLength, limit) && n > limit) {
      tooLong = true;
      errors_.add(path, "must be at most " + plural(limit, "character", "characters") + ", not " + std::to_string(n),
                  value.mark());
    }
    if (schemaCount(k.minLength, limit) && n < limit) {
      errors_.add(path, "must be at least " + plural(limit, "character", "characters") + ", not " + std::to_string(n),
                  value.mark());
    }
  }
  // A string already too long is not also matched: that would only cost
  // time on oversized input.
  if (k.pattern != nullptr && k.pattern->isString() && !tooLong) {
    const re2::RE2* re = compiledPattern(k.pattern->text());
    // Searched, not anchored, as JSON Schema and the API server do.
    if (re != nullptr && !re2::RE2::PartialMatch(s, *re)) {
      errors_.add(path, patternMessage(k.pattern->text(), value.text()), value.mark());
    }
  }
}

void Checker::checkNumber(const Keywords& k, const document::Value& value, const document::Path& path) {
  const std::string& t = value.text();
  if (k.type == Type::Integer || (k.intOrString && isIntegerLiteral(t))) {
    int64_t lo = std::numeric_limits<int64_t>::min();
    int64_t hi = std::numeric_limits<int64_t>::max();
    if (k.format != nullptr && k.format->isString() && k.format->text() == "int32") {
      lo = std::numeric_limits<int32_t>::min();
      hi = std::numeric_limits<int32_t>::max();
    }
    int64_t n = 0;
    bool parsed = parseInt(t, n);
    if (!parsed) {
      // An integral float (1e3): isIntegerLiteral bounds it to 2^53.
      double d = parseDouble(t);
      parsed = std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= 9007199254740992.0;
      if (parsed) n = static_cast<int64_t>(d);
    }
    if (!parsed || n < lo || n > hi) {
      errors_.add(path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", not " + t,
                  value.mark());
      return;
    }
  }
  const document::Value* min = k.minimum != nullptr && k.minimum->isNumber() ? k.minimum : nullptr;
  const document::Value* max = k.maximum != nullptr && k.maximum->isNumber() ? k.maximum : nullptr;
  bool belowMin = false;
  bool aboveMax = false;
  if (min != nullptr) {
    int c = compareNumbers(t, min->text());
    belowMin = k.exclusiveMinimum ? c <= 0 : c < 0;
  }
  if (max != nullptr) {
    int c = compareNumbers(t, max->text());
    aboveMax = k.exclusiveMaximum ? c >= 0 : c > 0;
  }
  if (!belowMin && !aboveMax) return;
  std::string message;
  if (min != nullptr && max != nullptr && !k.exclusiveMinimum && !k.exclusiveMaximum) {
    message = "must be between " + min->text() + " and " + max->text();
  } else if (belowMin) {
    message = (k.exclusiveMinimum ? "must be greater than " : "must be at least ") + min->text();
  } else {
    message = (k.exclusiveMaximum ? "must be less than " : "must be at most ") + max->text();
  }
  errors_.add(path, message + ", not " + t, value.mark());
}

void Checker::checkArray(const Keywords& k, const document::Value& value, const document::Path& path) {
  const auto& items = value.items();
  uint64_t limit = 0;
  if (schemaCount(k.maxItems, limit) && items.size() > limit) {
    errors_.add(path, "must be at most " + plural(limit, "item", "items") + ", not " + std::to_string(items.size()),
                value.mark());
  }
  if (schemaCount(k.minItems, limit) && items.size() < limit) {
    errors_.add(path, "must be at least " + plural(limit, "item", "items") + ", not " + std::to_string(items.size()),
                value.mark());
  }
  if (k.items == nullptr || !k.items->isObject()) return;
  for (size_t i = 0; i < items.size(); ++i) {
    document::Path p = path.index(i);
    check(*k.items, items[i], p, false);
  }
}

void Checker::checkObject(const Keywords& k, const document::Value& value, const document::Path& path,
                          bool resourceRoot) {
  const auto& members = value.members();
  uint64_t limit = 0;
  if (schemaCount(k.maxProperties, limit) && members.size() > limit) {
    errors_.add(path,
                "must be at most " + plural(limit, "entry", "entries") + ", not " + std::to_string(members.size()),
                value.mark());
  }
  if (schemaCount(k.minProperties, limit) && members.size() < limit) {
    errors_.add(path,
                "must be at least " + plural(limit, "entry", "entries") + ", not " + std::to_string(members.size()),
                value.mark());
  }
  if (k.required != nullptr) {
    for (const auto& name : k.required->items()) {
      if (!name.isString() || value.find(name.text()) != nullptr) continue;
      document::Path p = path.child(name.text());
      errors_.add(p, "is required", value.mark());
    }
  }
  const document::Value* properties = k.properties != nullptr && k.properties->isObject() ? k.properties : nullptr;
  const document::Value* additional = k.additionalProperties;
  bool additionalSchema = additional != nullptr && additional->isObject();
  bool additionalAllowed = additional != nullptr && isTrue(*additional);
  // Keys are checked where the schema says what they may be: an object type
  // or declared properties. Anything else undeclared is pruned by the API
  // server, which strict validation reports.
  bool closed = (k.type == Type::Object || properties != nullptr) && !additionalAllowed && !additionalSchema &&
                !k.preserveUnknown;
  bool resource = resourceRoot || k.embeddedResource;
  for (const auto& m : members) {
    std::string_view key = m.key.view();
    document::Path p = path.child(key);
    const document::Value* sub = properties != nullptr ? properties->find(key) : nullptr;
    // The API server drops a null field that is not nullable before it
    // validates (apiextensions' pruning of nulls): `limits: null` passes.
    if (m.value.isNull() && sub != nullptr && sub->isObject()) {
      const document::Value* nullable = sub->find("nullable");
      if (nullable == nullptr || !nullable->isBool() || !nullable->asBool()) continue;
    }
    if (sub != nullptr) {
      if (resource && key == "metadata" && sub->find("properties") == nullptr) {
        // ObjectMeta: validated by the API server, not by the CRD schema.
        if (!m.value.isObject() && !m.value.isNull()) {
          errors_.add(p, "must be an object, not " + describe(m.value), m.value.mark());
        }
        continue;
      }
      check(*sub, m.value, p, false);
    } else if (additionalSchema) {
      check(*additional, m.value, p, false);
    } else if (k.embeddedResource && (key == "apiVersion" || key == "kind" || key == "metadata")) {
      continue;
    } else if (closed) {
      errors_.add(p, "unknown field \"" + std::string(key) + "\"", m.value.mark());
    }
  }
}

}  // namespace

void pruneNulls(const document::Value& schema, document::Value& value) {
  if (!schema.isObject()) return;
  if (value.isArray()) {
    const document::Value* items = schema.find("items");
    if (items == nullptr) return;
    for (auto& item : value.items()) pruneNulls(*items, item);
    return;
  }
  if (!value.isObject()) return;
  const document::Value* properties = schema.find("properties");
  const document::Value* additional = schema.find("additionalProperties");
  auto& members = value.members();
  std::erase_if(members, [&](const document::Member& m) {
    if (!m.value.isNull()) return false;
    const document::Value* sub = properties != nullptr ? properties->find(m.key.view()) : nullptr;
    if (sub == nullptr && additional != nullptr && additional->isObject()) sub = additional;
    if (sub == nullptr) return false;  // undeclared: kept (and reported, or preserved)
    const document::Value* nullable = sub->find("nullable");
    return nullable == nullptr || !nullable->isBool() || !nullable->asBool();
  });
  for (auto& m : members) {
    const document::Value* sub = properties != nullptr ? properties->find(m.key.view()) : nullptr;
    if (sub == nullptr && additional != nullptr && additional->isObject()) sub = additional;
    if (sub != nullptr) pruneNulls(*sub, m.value);
  }
}

void checkSchema(const document::Value& schema, const document::Value& value, document::Errors& errors) {
  Checker checker(errors);
  document::Path root;
  checker.check(schema, value, root, true);
}

}  // namespace mb::openapi
