// Kubeconfig, in-cluster and precedence loading. Messages name the file
// (and line), context, cluster or user at fault, because a wrong kubeconfig
// is the first thing a new user of the operator runs into.
#include "kube/config.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <system_error>
#include <utility>

#include "document/parse.h"
#include "document/value.h"

namespace mb::kube {
namespace {

namespace fs = std::filesystem;
using Code = ConfigError::Code;

ConfigError error(Code code, std::string message) { return ConfigError{code, std::move(message)}; }

std::string errnoText(int e) { return std::error_code(e, std::generic_category()).message(); }

bool isMissing(int e) { return e == ENOENT || e == ENOTDIR; }

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string join(const std::vector<std::string>& parts, std::string_view sep = ", ") {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string trim(std::string_view s) {
  const char* blanks = " \t\r\n\v\f";
  size_t b = s.find_first_not_of(blanks);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(blanks);
  return std::string(s.substr(b, e - b + 1));
}

// Reads a whole file; on failure returns errno (0 on success).
int readFile(const std::string& path, std::string& out) {
  out.clear();
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) return errno;
  char buf[16384];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) out.append(buf, n);
  // A directory opens fine on Linux and fails on the first read (EISDIR).
  if (std::ferror(file.get()) != 0) return errno != 0 ? errno : EIO;
  return 0;
}

// Kubeconfig paths are relative to the kubeconfig's own directory.
std::string resolvePath(const std::string& dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(dir) / path).lexically_normal().string();
}

// "https://host:port" without trailing slashes; a bare host:port gets
// https://, as client-go does for TLS configs.
std::optional<std::string> normalizeServer(std::string_view raw, std::string& why) {
  std::string s = trim(raw);
  if (s.empty()) {
    why = "is empty";
    return std::nullopt;
  }
  size_t sep = s.find("://");
  if (sep == std::string::npos) {
    s = "https://" + s;
    sep = 5;
  }
  std::string scheme = s.substr(0, sep);
  for (char& c : scheme) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (scheme != "https" && scheme != "http") {
    why = "has scheme " + quote(scheme) + "; use https:// (or http://)";
    return std::nullopt;
  }
  s = scheme + s.substr(sep);
  while (!s.empty() && s.back() == '/') s.pop_back();
  if (s.size() <= scheme.size() + 3) {
    why = "has no host";
    return std::nullopt;
  }
  return s;
}

// ------------------------------------------------------------ kubeconfig --

// A string field with the line it was written on, for messages.
struct Str {
  std::string text;
  uint32_t line = 0;
  bool empty() const { return text.empty(); }
};

struct Origin {
  std::string file;
  uint32_t line = 0;
  std::string where() const { return line == 0 ? file : file + ":" + std::to_string(line); }
};

struct ClusterEntry {
  Origin origin;
  Str server, ca, caData, tlsServerName, proxyUrl;
  bool insecure = false;
};

struct UserEntry {
  Origin origin;
  Str clientCert, clientCertData, clientKey, clientKeyData, token, tokenFile;
  // Auth we recognise but do not implement; refused only when this user is used.
  std::vector<std::string> unsupported;
};

struct ContextEntry {
  Origin origin;
  Str cluster, user, ns;
};

// Several files merged. std::map keeps the "available ..." lists sorted.
struct Merged {
  std::map<std::string, ClusterEntry> clusters;
  std::map<std::string, UserEntry> users;
  std::map<std::string, ContextEntry> contexts;
  std::string currentContext;
  std::string currentContextFile;
};

// Reads one file's entries into a Merged, keeping names already there. The
// first error is kept and later reads return defaults, so the field code
// below stays linear.
class FileReader {
 public:
  FileReader(std::string file, Merged& into)
      : file_(std::move(file)), dir_(fs::absolute(fs::path(file_)).parent_path().string()), into_(into) {}

  std::optional<ConfigError> read() {
    std::string text;
    if (int e = readFile(file_, text); e != 0) {
      return error(isMissing(e) ? Code::NotFound : Code::Invalid,
                   "cannot read kubeconfig " + file_ + ": " + errnoText(e));
    }
    std::vector<document::Value> docs;
    document::ParseError perr;
    if (!document::parseYaml(text, docs, perr)) {
      std::string at = perr.mark.line == 0 ? file_ : file_ + ":" + std::to_string(perr.mark.line);
      return error(Code::Invalid, "kubeconfig " + at + " is not valid YAML: " + perr.message);
    }
    if (docs.empty()) return std::nullopt;  // an empty file is an empty config, as for kubectl
    if (docs.size() > 1) {
      return error(Code::Invalid, "kubeconfig " + file_ + " holds " + std::to_string(docs.size()) +
                                      " YAML documents; a kubeconfig is a single document");
    }
    top(docs[0]);
    return std::move(error_);
  }

 private:
  void fail(uint32_t line, const std::string& message) {
    if (error_) return;
    error_ = error(Code::Invalid, Origin{file_, line}.where() + ": " + message);
  }

  void top(const document::Value& v) {
    if (v.isNull()) return;
    if (!v.isObject()) {
      fail(v.mark().line,
           "a kubeconfig must be a mapping (kind: Config), not " + std::string(document::Value::kindArticle(v.kind())));
      return;
    }
    if (const document::Value* kind = v.find("kind"); kind != nullptr && !kind->isNull()) {
      if (kind->text() != "Config") {
        fail(kind->mark().line, "kind is " + quote(kind->text()) + "; a kubeconfig has kind: Config");
        return;
      }
    }
    Str current = str(v, "current-context", "kubeconfig");
    if (!current.empty() && into_.currentContext.empty()) {
      into_.currentContext = current.text;
      into_.currentContextFile = Origin{file_, current.line}.where();
    }
    list(v, "clusters", "cluster", [&](const std::string& name, const document::Value& body, Origin origin) {
      ClusterEntry c;
      c.origin = std::move(origin);
      std::string what = "cluster " + quote(name);
      c.server = str(body, "server", what);
      c.ca = path(body, "certificate-authority", what);
      c.caData = str(body, "certificate-authority-data", what);
      c.insecure = boolean(body, "insecure-skip-tls-verify", what);
      c.tlsServerName = str(body, "tls-server-name", what);
      c.proxyUrl = str(body, "proxy-url", what);
      into_.clusters.emplace(name, std::move(c));
    });
    list(v, "users", "user", [&](const std::string& name, const document::Value& body, Origin origin) {
      UserEntry u;
      u.origin = std::move(origin);
      std::string what = "user " + quote(name);
      u.clientCert = path(body, "client-certificate", what);
      u.clientCertData = str(body, "client-certificate-data", what);
      u.clientKey = path(body, "client-key", what);
      u.clientKeyData = str(body, "client-key-data", what);
      u.token = str(body, "token", what);
      u.tokenFile = path(body, "tokenFile", what);
      if (const document::Value* exec = body.find("exec"); exec != nullptr && !exec->isNull()) {
        std::string cmd;
        if (const document::Value* c = exec->find("command"); c != nullptr && c->isString())
          cmd = " (command " + quote(c->text()) + ")";
        u.unsupported.push_back("an exec credential plugin" + cmd);
      }
      if (const document::Value* ap = body.find("auth-provider"); ap != nullptr && !ap->isNull()) {
        std::string provider;
        if (const document::Value* n = ap->find("name"); n != nullptr && n->isString())
          provider = " " + quote(n->text());
        u.unsupported.push_back("auth-provider" + provider);
      }
      if (!str(body, "username", what).empty() || !str(body, "password", what).empty()) {
        u.unsupported.push_back("basic auth (username/password)");
      }
      for (std::string_view key : {"as", "as-uid", "as-groups", "as-user-extra"}) {
        if (const document::Value* f = body.find(key); f != nullptr && !f->isNull() && !f->empty()) {
          u.unsupported.push_back("impersonation (" + std::string(key) + ")");
          break;
        }
      }
      into_.users.emplace(name, std::move(u));
    });
    list(v, "contexts", "context", [&](const std::string& name, const document::Value& body, Origin origin) {
      ContextEntry c;
      c.origin = std::move(origin);
      std::string what = "context " + quote(name);
      c.cluster = str(body, "cluster", what);
      c.user = str(body, "user", what);
      c.ns = str(body, "namespace", what);
      into_.contexts.emplace(name, std::move(c));
    });
  }

  // `key` is a list of {name: ..., <field>: {...}}; calls `add` for each
  // name not defined by an earlier file (the first file wins).
  template <class Add>
  void list(const document::Value& top, std::string_view key, std::string_view field, Add add) {
    const document::Value* items = top.find(key);
    if (items == nullptr || items->isNull() || error_) return;
    if (!items->isArray()) {
      fail(items->mark().line,
           std::string(key) + " must be a list, not " + document::Value::kindArticle(items->kind()));
      return;
    }
    std::set<std::string> seen;
    for (const document::Value& item : items->items()) {
      if (error_) return;
      if (!item.isObject()) {
        fail(item.mark().line,
             "each entry of " + std::string(key) + " must be a mapping with name and " + std::string(field));
        return;
      }
      Str name = str(item, "name", "an entry of " + std::string(key));
      if (error_) return;
      if (name.empty()) {
        fail(item.mark().line, "an entry of " + std::string(key) + " has no name");
        return;
      }
      // client-go refuses a name twice in one file; between files the first wins.
      if (!seen.insert(name.text).second) {
        fail(item.mark().line, std::string(key) + " defines " + quote(name.text) + " twice");
        return;
      }
      const document::Value* body = item.find(field);
      static const document::Value kEmpty = document::Value::object();
      if (body == nullptr || body->isNull()) body = &kEmpty;
      if (!body->isObject()) {
        fail(body->mark().line, std::string(field) + " of " + quote(name.text) + " must be a mapping, not " +
                                    document::Value::kindArticle(body->kind()));
        return;
      }
      bool known = false;
      if (key == "clusters") known = into_.clusters.count(name.text) != 0;
      if (key == "users") known = into_.users.count(name.text) != 0;
      if (key == "contexts") known = into_.contexts.count(name.text) != 0;
      if (known) continue;
      add(name.text, *body, Origin{file_, item.mark().line});
    }
  }

  Str str(const document::Value& obj, std::string_view key, const std::string& what) {
    const document::Value* f = obj.find(key);
    if (f == nullptr || f->isNull() || error_) return {};
    // Numbers are fine as strings here (a namespace "123", base64 "1234").
    if (!f->isString() && !f->isNumber()) {
      fail(f->mark().line,
           std::string(key) + " of " + what + " must be a string, not " + document::Value::kindArticle(f->kind()));
      return {};
    }
    return {f->text(), f->mark().line};
  }

  Str path(const document::Value& obj, std::string_view key, const std::string& what) {
    Str s = str(obj, key, what);
    s.text = resolvePath(dir_, s.text);
    return s;
  }

  bool boolean(const document::Value& obj, std::string_view key, const std::string& what) {
    const document::Value* f = obj.find(key);
    if (f == nullptr || f->isNull() || error_) return false;
    if (!f->isBool()) {
      fail(f->mark().line,
           std::string(key) + " of " + what + " must be true or false, not " + document::Value::kindArticle(f->kind()));
      return false;
    }
    return f->asBool();
  }

  std::string file_;
  std::string dir_;
  Merged& into_;
  std::optional<ConfigError> error_;
};

template <class Map>
std::string names(const Map& map) {
  std::vector<std::string> out;
  out.reserve(map.size());
  for (const auto& [name, entry] : map) out.push_back(name);
  return out.empty() ? "none are defined" : join(out);
}

// A *-data field or its file counterpart (never both, as client-go's
// validation says), into PEM text.
std::optional<ConfigError> pemFrom(const Str& data, const Str& file, std::string_view dataKey, std::string_view fileKey,
                                   const std::string& what, const Origin& origin, std::string& out) {
  if (!data.empty() && !file.empty()) {
    return error(Code::Invalid, what + " (" + origin.where() + ") sets both " + std::string(fileKey) + " and " +
                                    std::string(dataKey) + "; keep one");
  }
  if (!data.empty()) {
    std::optional<std::string> decoded = decodeBase64(data.text);
    if (!decoded) {
      return error(Code::Invalid, Origin{origin.file, data.line}.where() + ": " + std::string(dataKey) + " of " + what +
                                      " is not valid base64");
    }
    out = std::move(*decoded);
  } else if (!file.empty()) {
    if (int e = readFile(file.text, out); e != 0) {
      return error(Code::Invalid, "cannot read " + std::string(fileKey) + " " + file.text + " of " + what + " (" +
                                      Origin{origin.file, file.line}.where() + "): " + errnoText(e));
    }
  }
  return std::nullopt;
}

ConfigResult<RestConfig> resolve(const Merged& m, const std::vector<std::string>& files, const std::string& requested) {
  const std::string fileList = join(files);
  std::string name = requested.empty() ? m.currentContext : requested;
  if (name.empty()) {
    return err(error(Code::Invalid, "no context to use: " + fileList +
                                        " set no current-context and no --context was given; available contexts: " +
                                        names(m.contexts)));
  }
  auto ctxIt = m.contexts.find(name);
  if (ctxIt == m.contexts.end()) {
    std::string which = requested.empty() ? "current-context " + quote(name) + " (set in " + m.currentContextFile + ")"
                                          : "context " + quote(name);
    return err(
        error(Code::Invalid, which + " is not defined in " + fileList + "; available contexts: " + names(m.contexts)));
  }
  const ContextEntry& ctx = ctxIt->second;
  const std::string ctxWhat = "context " + quote(name) + " (" + ctx.origin.where() + ")";

  if (ctx.cluster.empty()) return err(error(Code::Invalid, ctxWhat + " names no cluster"));
  auto clusterIt = m.clusters.find(ctx.cluster.text);
  if (clusterIt == m.clusters.end()) {
    return err(error(Code::Invalid, ctxWhat + " names cluster " + quote(ctx.cluster.text) +
                                        ", which is not defined in " + fileList + "; clusters: " + names(m.clusters)));
  }
  const UserEntry* user = nullptr;
  if (!ctx.user.empty()) {
    auto userIt = m.users.find(ctx.user.text);
    if (userIt == m.users.end()) {
      return err(error(Code::Invalid, ctxWhat + " names user " + quote(ctx.user.text) + ", which is not defined in " +
                                          fileList + "; users: " + names(m.users)));
    }
    user = &userIt->second;
  }

  RestConfig out;
  out.contextName = name;
  out.source = "kubeconfig " + fileList;
  out.defaultNamespace = ctx.ns.empty() ? "default" : ctx.ns.text;

  const ClusterEntry& cluster = clusterIt->second;
  const std::string clusterWhat = "cluster " + quote(ctx.cluster.text);
  const std::string clusterAt = clusterWhat + " (" + cluster.origin.where() + ")";
  if (!cluster.proxyUrl.empty()) {
    return err(error(Code::Unsupported, clusterAt + " sets proxy-url, which is not supported yet"));
  }
  if (!cluster.tlsServerName.empty()) {
    return err(error(Code::Unsupported, clusterAt + " sets tls-server-name, which is not supported yet"));
  }
  if (cluster.server.empty()) return err(error(Code::Invalid, clusterAt + " has no server"));
  std::string why;
  std::optional<std::string> server = normalizeServer(cluster.server.text, why);
  if (!server) {
    return err(error(Code::Invalid, Origin{cluster.origin.file, cluster.server.line}.where() + ": server " +
                                        quote(cluster.server.text) + " of " + clusterWhat + " " + why));
  }
  out.server = std::move(*server);
  if (auto e = pemFrom(cluster.caData, cluster.ca, "certificate-authority-data", "certificate-authority", clusterWhat,
                       cluster.origin, out.caPem)) {
    return err(std::move(*e));
  }
  out.caFile = cluster.caData.empty() ? cluster.ca.text : "";
  out.insecureSkipTlsVerify = cluster.insecure;
  if (cluster.insecure && !out.caPem.empty()) {
    // kubectl refuses this too: which one did the user mean?
    return err(
        error(Code::Invalid, clusterAt + " sets insecure-skip-tls-verify and a certificate authority; keep one"));
  }

  if (user == nullptr) return out;  // anonymous, e.g. behind `kubectl proxy`
  const std::string userWhat = "user " + quote(ctx.user.text);
  const std::string userAt = userWhat + " (" + user->origin.where() + ")";
  if (!user->unsupported.empty()) {
    return err(error(Code::Unsupported, userAt + " uses " + join(user->unsupported, " and ") +
                                            ", which is not supported yet; use a user with a client certificate "
                                            "or a token (e.g. from `kubectl create token`)"));
  }
  if (auto e = pemFrom(user->clientCertData, user->clientCert, "client-certificate-data", "client-certificate",
                       userWhat, user->origin, out.clientCertPem)) {
    return err(std::move(*e));
  }
  if (auto e = pemFrom(user->clientKeyData, user->clientKey, "client-key-data", "client-key", userWhat, user->origin,
                       out.clientKeyPem)) {
    return err(std::move(*e));
  }
  if (out.clientCertPem.empty() != out.clientKeyPem.empty()) {
    return err(error(Code::Invalid, userAt + " has a client " + (out.clientCertPem.empty() ? "key" : "certificate") +
                                        " without a client " + (out.clientCertPem.empty() ? "certificate" : "key")));
  }
  out.bearerToken = trim(user->token.text);
  out.tokenFile = user->tokenFile.text;
  if (!out.tokenFile.empty()) {
    std::string content;
    if (int e = readFile(out.tokenFile, content); e != 0) {
      return err(error(Code::Invalid, "cannot read tokenFile " + out.tokenFile + " of " + userWhat + " (" +
                                          Origin{user->origin.file, user->tokenFile.line}.where() +
                                          "): " + errnoText(e)));
    }
    // With both, the file takes over from the static token (client-go does the same).
    content = trim(content);
    if (content.empty() && out.bearerToken.empty()) {
      return err(error(Code::Invalid, "tokenFile " + out.tokenFile + " of " + userWhat + " is empty"));
    }
    if (!content.empty()) out.bearerToken = std::move(content);
  }
  return out;
}

std::string homeDir(const Env& env) {
  if (auto home = env("HOME"); home && !home->empty()) return *home;
  // controller-runtime falls back to the user database when HOME is unset.
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr && found->pw_dir != nullptr) {
    return found->pw_dir;
  }
  return {};
}

}  // namespace

Env processEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::vector<std::string> splitKubeconfigPaths(std::string_view value) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(':', start);
    if (end == std::string_view::npos) end = value.size();
    std::string part(value.substr(start, end - start));
    if (!part.empty() && seen.insert(part).second) out.push_back(std::move(part));
    start = end + 1;
  }
  return out;
}

std::optional<std::string> decodeBase64(std::string_view text) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t symbols = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    int v = sextet(c);
    if (v < 0) return std::nullopt;
    acc = ((acc << 6) | static_cast<uint32_t>(v)) & 0x3FFFFu;
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(static_cast<unsigned char>((acc >> bits) & 0xFFu)));
    }
  }
  size_t rem = symbols % 4;
  if (rem == 1) return std::nullopt;                                        // 6 bits cannot end a byte
  if (padding > 0 && (rem < 2 || rem + padding != 4)) return std::nullopt;  // padding must complete the last quantum
  return out;
}

ConfigResult<RestConfig> loadKubeconfig(const std::vector<std::string>& files, const std::string& context) {
  if (files.empty()) return err(error(Code::NotFound, "no kubeconfig file given"));
  Merged merged;
  for (const std::string& file : files) {
    if (auto e = FileReader(file, merged).read()) return err(std::move(*e));
  }
  return resolve(merged, files, context);
}

ConfigResult<RestConfig> inClusterConfig(const Env& env, const std::string& root) {
  std::optional<std::string> host = env("KUBERNETES_SERVICE_HOST");
  std::optional<std::string> port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    std::vector<std::string> unset;
    if (!host || host->empty()) unset.emplace_back("KUBERNETES_SERVICE_HOST");
    if (!port || port->empty()) unset.emplace_back("KUBERNETES_SERVICE_PORT");
    return err(error(Code::NotFound, "not running inside a cluster: " + join(unset, " and ") +
                                         (unset.size() > 1 ? " are" : " is") + " not set"));
  }
  bool portOk = port->size() <= 5 && port->find_first_not_of("0123456789") == std::string::npos;
  if (!portOk || std::stoi(*port) == 0 || std::stoi(*port) > 65535) {
    return err(error(Code::Invalid, "in-cluster config: KUBERNETES_SERVICE_PORT " + quote(*port) + " is not a port"));
  }
  RestConfig out;
  // An IPv6 literal needs brackets in a URL (Go's net.JoinHostPort does this).
  bool v6 = host->find(':') != std::string::npos && host->front() != '[';
  out.server = "https://" + (v6 ? "[" + *host + "]" : *host) + ":" + *port;
  out.contextName = "in-cluster";
  out.source = "in-cluster";

  const std::string dir = root + std::string(kServiceAccountDir);
  out.tokenFile = dir + "/token";
  std::string token;
  if (int e = readFile(out.tokenFile, token); e != 0) {
    return err(error(Code::Invalid, "in-cluster config: cannot read the service account token " + out.tokenFile + ": " +
                                        errnoText(e) + " (is automountServiceAccountToken off?)"));
  }
  out.bearerToken = trim(token);
  if (out.bearerToken.empty()) {
    return err(error(Code::Invalid, "in-cluster config: the service account token " + out.tokenFile + " is empty"));
  }
  out.caFile = dir + "/ca.crt";
  if (int e = readFile(out.caFile, out.caPem); e != 0) {
    return err(
        error(Code::Invalid, "in-cluster config: cannot read the cluster CA " + out.caFile + ": " + errnoText(e)));
  }
  if (auto ns = env("POD_NAMESPACE"); ns && !trim(*ns).empty()) {
    out.defaultNamespace = trim(*ns);
  } else {
    std::string content;
    if (readFile(dir + "/namespace", content) == 0) out.defaultNamespace = trim(content);
  }
  if (out.defaultNamespace.empty()) out.defaultNamespace = "default";
  return out;
}

ConfigResult<RestConfig> loadConfig(const LoadOptions& options) {
  const Env env = options.env ? options.env : processEnv();
  auto finish = [&](ConfigResult<RestConfig> result) -> ConfigResult<RestConfig> {
    if (!result || options.master.empty()) return result;
    std::string why;
    std::optional<std::string> server = normalizeServer(options.master, why);
    if (!server) return err(error(Code::Invalid, "--master " + quote(options.master) + " " + why));
    result->server = std::move(*server);
    return result;
  };

  if (!options.kubeconfig.empty()) return finish(loadKubeconfig({options.kubeconfig}, options.context));

  // Why each source did not apply, for the final message.
  std::vector<std::string> notes;
  std::optional<std::string> kubeconfigEnv = env("KUBECONFIG");
  if (kubeconfigEnv && !kubeconfigEnv->empty()) {
    // kubectl skips KUBECONFIG entries that do not exist; other errors
    // (permissions, bad YAML) are reported by loadKubeconfig.
    std::vector<std::string> existing;
    for (std::string& path : splitKubeconfigPaths(*kubeconfigEnv)) {
      struct stat st {};
      if (stat(path.c_str(), &st) == 0 || !isMissing(errno)) existing.push_back(std::move(path));
    }
    if (!existing.empty()) return finish(loadKubeconfig(existing, options.context));
    notes.push_back("KUBECONFIG=" + *kubeconfigEnv + " names no existing file");
  } else if (options.context.empty()) {
    ConfigResult<RestConfig> inCluster = inClusterConfig(env, options.inClusterRoot);
    if (inCluster) return finish(std::move(inCluster));
    notes.push_back(inCluster.error().message);
  } else {
    notes.push_back("in-cluster config skipped: --context names a kubeconfig context");
  }

  if (!kubeconfigEnv || kubeconfigEnv->empty()) {
    std::string home = homeDir(env);
    if (!home.empty()) {
      std::string path = home + "/.kube/config";
      struct stat st {};
      if (stat(path.c_str(), &st) == 0 || !isMissing(errno)) return finish(loadKubeconfig({path}, options.context));
      notes.push_back(path + " does not exist");
    } else {
      notes.push_back("HOME is not set");
    }
  }

  if (!options.master.empty() && options.context.empty()) {
    // `--master` alone: no credentials, e.g. a `kubectl proxy` endpoint.
    RestConfig bare;
    bare.defaultNamespace = "default";
    bare.source = "--master";
    return finish(std::move(bare));
  }
  return err(error(Code::NotFound, "no kubeconfig: set --kubeconfig or KUBECONFIG, or run inside a cluster (" +
                                       join(notes, "; ") + ")"));
}

// ----------------------------------------------------------- TokenSource --

TokenSource::TokenSource(const std::string& initial, std::string tokenFile, base::Clock& clock, base::Duration recheck)
    : token_(trim(initial)), tokenFile_(std::move(tokenFile)), recheck_(recheck), clock_(clock) {}

TokenSource::TokenSource(const RestConfig& config, base::Clock& clock, base::Duration recheck)
    : TokenSource(config.bearerToken, config.tokenFile, clock, recheck) {}

std::string TokenSource::token() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!tokenFile_.empty()) {
    const base::TimePoint now = clock_.now();
    if (!checked_ || now - lastCheck_ >= recheck_) checkLocked(now);
  }
  return token_;
}

void TokenSource::refreshForTest() {
  std::lock_guard<std::mutex> lock(mu_);
  checked_ = false;
}

std::optional<std::string> TokenSource::lastError() {
  std::lock_guard<std::mutex> lock(mu_);
  return lastError_;
}

void TokenSource::checkLocked(base::TimePoint now) {
  checked_ = true;
  lastCheck_ = now;
  auto stampOf = [](const struct stat& st) {
    return FileStamp{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                     static_cast<int64_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  };
  // stat follows the symlink kubelet swaps on rotation, so a new inode shows.
  struct stat st {};
  if (stat(tokenFile_.c_str(), &st) != 0) {
    lastError_ = "cannot read token file " + tokenFile_ + ": " + errnoText(errno);
    return;
  }
  if (stampOf(st) == stamp_) {
    lastError_.reset();
    return;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(tokenFile_.c_str(), "rb"), std::fclose);
  if (!file || fstat(fileno(file.get()), &st) != 0) {
    lastError_ = "cannot read token file " + tokenFile_ + ": " + errnoText(errno);
    return;
  }
  std::string content;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) content.append(buf, n);
  if (std::ferror(file.get()) != 0) {
    lastError_ = "cannot read token file " + tokenFile_ + ": " + errnoText(errno);
    return;
  }
  std::string fresh = trim(content);
  if (fresh.empty()) {
    // Caught between truncate and write: keep the old token, retry later.
    lastError_ = "token file " + tokenFile_ + " is empty";
    return;
  }
  token_ = std::move(fresh);
  stamp_ = stampOf(st);
  lastError_.reset();
}

std::function<std::string()> TokenSource::provider(const RestConfig& config, base::Clock& clock) {
  if (config.tokenFile.empty()) {
    if (config.bearerToken.empty()) return {};
    return [token = config.bearerToken] { return token; };
  }
  auto source = std::make_shared<TokenSource>(config, clock);
  return [source] { return source->token(); };
}

}  // namespace mb::kube
