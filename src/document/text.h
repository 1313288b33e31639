// An immutable string in 16 bytes for object keys: a string literal is
// referenced, not copied; up to 14 other bytes live inline; longer text is
// one exact-size heap copy. Rendering builds thousands of members whose keys
// are literals ("name", "workload.serving.volcano.sh/model-uid"), and
// std::string copied each one (and allocated for the long ones).
#pragma once

#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>

// Where the compiler gets it right, the literal constructor is consteval,
// so that only constant arrays (literals, constexpr arrays) can take the
// no-copy path. Clang before 16 miscompiles consteval constructors of
// classes like this one (a temporary's construction clobbered a neighbouring
// std::string on the stack, found by the fuzz corpus replay under ASan);
// there it is constexpr. The GCC build, which compiles all code, still
// enforces the rule.
#if defined(__clang__) && __clang_major__ < 16
#define MB_TEXT_LITERAL constexpr
#else
#define MB_TEXT_LITERAL consteval
#endif

namespace mb::document {

class Text {
 public:
  Text() noexcept : s_{} { setInline(0); }
  // Only a constant array can bind here (see MB_TEXT_LITERAL): a literal or
  // a constexpr char array, both of which live as long as the program.
  template <size_t N>
  MB_TEXT_LITERAL Text(const char (&literal)[N]) noexcept  // NOLINT(google-explicit-constructor)
      : s_{.ext = {literal, static_cast<uint32_t>(N - 1), {plainJson(literal, N - 1), 0, 0}, kStatic}} {}
  Text(std::string_view s) : s_{} { assign(s); }    // NOLINT(google-explicit-constructor)
  Text(const std::string& s) : s_{} { assign(s); }  // NOLINT(google-explicit-constructor)
  Text(const Text& other) : s_{} { copyFrom(other); }
  Text(Text&& other) noexcept : s_(other.s_) { other.setInline(0); }
  Text& operator=(const Text& other) {
    if (this != &other) {
      Text copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  Text& operator=(Text&& other) noexcept {
    if (this != &other) {
      release();
      s_ = other.s_;
      other.setInline(0);
    }
    return *this;
  }
  ~Text() { release(); }

  const char* data() const { return tag() < kStatic ? s_.inl : s_.ext.ptr; }
  size_t size() const { return tag() < kStatic ? tag() : s_.ext.len; }
  bool empty() const { return size() == 0; }
  char operator[](size_t i) const { return data()[i]; }
  std::string_view view() const { return {data(), size()}; }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view()); }
  // True when this is a literal known to need no escaping in JSON (no
  // control characters, quotes or backslashes): writers copy it as is.
  bool isPlainLiteral() const { return tag() == kStatic && s_.ext.pad[0] != 0; }

  friend bool operator==(const Text& a, const Text& b) { return a.view() == b.view(); }
  friend bool operator<(const Text& a, const Text& b) { return a.view() < b.view(); }
  friend bool operator==(const Text& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const Text& a, const char* b) { return a.view() == std::string_view(b); }
  friend bool operator==(const Text& a, const std::string& b) { return a.view() == std::string_view(b); }
  friend std::ostream& operator<<(std::ostream& os, const Text& t) { return os << t.view(); }
  friend std::string operator+(const std::string& a, const Text& b) { return a + std::string(b.view()); }
  friend std::string operator+(const char* a, const Text& b) { return a + std::string(b.view()); }
  friend std::string operator+(const Text& a, const char* b) { return std::string(a.view()) + b; }
  friend std::string operator+(const Text& a, const std::string& b) { return std::string(a.view()) + b; }

 private:
  static constexpr size_t kInlineMax = 14;
  static constexpr uint8_t kStatic = 0x80;  // ext.ptr is a literal
  static constexpr uint8_t kOwned = 0x81;   // ext.ptr is our heap copy

  struct External {
    const char* ptr;
    uint32_t len;
    uint8_t pad[3];
    uint8_t tag;
  };

  static MB_TEXT_LITERAL uint8_t plainJson(const char* s, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == '"' || c == '\\') return 0;
    }
    return 1;
  }

  // The tag shares the last byte with inl[15]: below kStatic it is the
  // inline length.
  uint8_t tag() const { return s_.ext.tag; }
  void setInline(size_t n) {
    s_.ext.tag = static_cast<uint8_t>(n);
    s_.inl[n] = '\0';
  }
  void assign(std::string_view s) {
    if (s.size() <= kInlineMax) {
      std::memcpy(s_.inl, s.data(), s.size());
      setInline(s.size());
      return;
    }
    char* p = new char[s.size()];
    std::memcpy(p, s.data(), s.size());
    s_.ext.ptr = p;
    s_.ext.len = static_cast<uint32_t>(s.size());
    s_.ext.tag = kOwned;
  }
  void copyFrom(const Text& other) {
    if (other.tag() == kOwned) {
      assign(other.view());
    } else {
      s_ = other.s_;  // a literal's pointer or the inline bytes
    }
  }
  void release() noexcept {
    if (tag() == kOwned) delete[] s_.ext.ptr;
  }

  // A named, trivially copyable union: copying it copies the bytes of
  // whichever member is in use. Reading `inl` after writing `ext.tag` (they
  // share the last byte) relies on union type punning, which GCC and Clang
  // define.
  union Storage {
    External ext;
    char inl[16];
  };
  Storage s_;
};

static_assert(sizeof(Text) == 16);

}  // namespace mb::document
