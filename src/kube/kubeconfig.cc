// Reading kubeconfig files, merging them, and resolving the context to use
// into a RestConfig.
#include "kube/kubeconfig.h"

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "document/base64.h"
#include "document/parse.h"
#include "document/value.h"
#include "kube/config_text.h"

namespace mb::kube {

using config_text::errnoText;
using config_text::error;
using config_text::isMissing;
using config_text::join;
using config_text::normalizeServer;
using config_text::quote;
using config_text::readFile;
using config_text::trim;
using Code = ConfigError::Code;

namespace {

namespace fs = std::filesystem;

// Kubeconfig paths are relative to the kubeconfig's own directory.
std::string resolvePath(const std::string& dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(dir) / path).lexically_normal().string();
}

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

  ConfigResult<Unit> read() {
    auto text = readFile(file_);
    if (!text) {
      int e = text.error();
      return err(error(isMissing(e) ? Code::NotFound : Code::Invalid,
                       "cannot read kubeconfig " + file_ + ": " + errnoText(e)));
    }
    std::vector<document::Value> docs;
    document::ParseError perr;
    if (!document::parseYaml(*text, docs, perr)) {
      std::string at = perr.mark.line == 0 ? file_ : file_ + ":" + std::to_string(perr.mark.line);
      return err(error(Code::Invalid, "kubeconfig " + at + " is not valid YAML: " + perr.message));
    }
    if (docs.empty()) return Unit{};  // an empty file is an empty config, as for kubectl
    if (docs.size() > 1) {
      return err(error(Code::Invalid, "kubeconfig " + file_ + " holds " + std::to_string(docs.size()) +
                                          " YAML documents; a kubeconfig is a single document"));
    }
    top(docs[0]);
    if (error_) return err(std::move(*error_));
    return Unit{};
  }

 private:
  void fail(uint32_t line, const std::string& message) {
    if (error_) return;
    error_ = error(Code::Invalid, Origin{file_, line}.where() + ": " + message);
  }

  // The whole file: a mapping of kind Config, then its current-context and
  // its three lists.
  void top(const document::Value& v) {
    if (v.isNull()) return;
    if (!isConfigMapping(v)) return;
    readCurrentContext(v);
    list(v, "clusters", "cluster", [&](const std::string& name, const document::Value& body, Origin origin) {
      into_.clusters.emplace(name, cluster(name, body, std::move(origin)));
    });
    list(v, "users", "user", [&](const std::string& name, const document::Value& body, Origin origin) {
      into_.users.emplace(name, user(name, body, std::move(origin)));
    });
    list(v, "contexts", "context", [&](const std::string& name, const document::Value& body, Origin origin) {
      into_.contexts.emplace(name, context(name, body, std::move(origin)));
    });
  }

  bool isConfigMapping(const document::Value& v) {
    if (!v.isObject()) {
      fail(v.mark().line,
           "a kubeconfig must be a mapping (kind: Config), not " + std::string(document::Value::kindArticle(v.kind())));
      return false;
    }
    if (const document::Value* kind = v.find("kind"); kind != nullptr && !kind->isNull()) {
      if (kind->text() != "Config") {
        fail(kind->mark().line, "kind is " + quote(kind->text()) + "; a kubeconfig has kind: Config");
        return false;
      }
    }
    return true;
  }

  // The first file that sets current-context wins.
  void readCurrentContext(const document::Value& v) {
    Str current = str(v, "current-context", "kubeconfig");
    if (!current.empty() && into_.currentContext.empty()) {
      into_.currentContext = current.text;
      into_.currentContextFile = Origin{file_, current.line}.where();
    }
  }

  ClusterEntry cluster(const std::string& name, const document::Value& body, Origin origin) {
    ClusterEntry c;
    c.origin = std::move(origin);
    std::string what = "cluster " + quote(name);
    c.server = str(body, "server", what);
    c.ca = path(body, "certificate-authority", what);
    c.caData = str(body, "certificate-authority-data", what);
    c.insecure = boolean(body, "insecure-skip-tls-verify", what);
    c.tlsServerName = str(body, "tls-server-name", what);
    c.proxyUrl = str(body, "proxy-url", what);
    return c;
  }

  UserEntry user(const std::string& name, const document::Value& body, Origin origin) {
    UserEntry u;
    u.origin = std::move(origin);
    std::string what = "user " + quote(name);
    u.clientCert = path(body, "client-certificate", what);
    u.clientCertData = str(body, "client-certificate-data", what);
    u.clientKey = path(body, "client-key", what);
    u.clientKeyData = str(body, "client-key-data", what);
    u.token = str(body, "token", what);
    u.tokenFile = path(body, "tokenFile", what);
    u.unsupported = unsupportedAuth(body, what);
    return u;
  }

  // Auth a user may ask for that we recognise but do not implement; the
  // user is refused only when a context in use names it.
  std::vector<std::string> unsupportedAuth(const document::Value& body, const std::string& what) {
    std::vector<std::string> out;
    if (const document::Value* exec = body.find("exec"); exec != nullptr && !exec->isNull()) {
      std::string cmd;
      if (const document::Value* c = exec->find("command"); c != nullptr && c->isString())
        cmd = " (command " + quote(c->text()) + ")";
      out.push_back("an exec credential plugin" + cmd);
    }
    if (const document::Value* ap = body.find("auth-provider"); ap != nullptr && !ap->isNull()) {
      std::string provider;
      if (const document::Value* n = ap->find("name"); n != nullptr && n->isString()) provider = " " + quote(n->text());
      out.push_back("auth-provider" + provider);
    }
    if (!str(body, "username", what).empty() || !str(body, "password", what).empty()) {
      out.emplace_back("basic auth (username/password)");
    }
    for (std::string_view key : {"as", "as-uid", "as-groups", "as-user-extra"}) {
      if (const document::Value* f = body.find(key); f != nullptr && !f->isNull() && !f->empty()) {
        out.push_back("impersonation (" + std::string(key) + ")");
        break;
      }
    }
    return out;
  }

  ContextEntry context(const std::string& name, const document::Value& body, Origin origin) {
    ContextEntry c;
    c.origin = std::move(origin);
    std::string what = "context " + quote(name);
    c.cluster = str(body, "cluster", what);
    c.user = str(body, "user", what);
    c.ns = str(body, "namespace", what);
    return c;
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
// validation says), into PEM text; empty when neither is set.
ConfigResult<std::string> pemFrom(const Str& data, const Str& file, std::string_view dataKey, std::string_view fileKey,
                                  const std::string& what, const Origin& origin) {
  if (!data.empty() && !file.empty()) {
    return err(error(Code::Invalid, what + " (" + origin.where() + ") sets both " + std::string(fileKey) + " and " +
                                        std::string(dataKey) + "; keep one"));
  }
  std::string out;
  if (!data.empty()) {
    std::optional<std::string> decoded = document::decodeBase64(data.text);
    if (!decoded) {
      return err(error(Code::Invalid, Origin{origin.file, data.line}.where() + ": " + std::string(dataKey) + " of " +
                                          what + " is not valid base64"));
    }
    out = std::move(*decoded);
  } else if (!file.empty()) {
    auto read = readFile(file.text);
    if (!read) {
      return err(error(Code::Invalid, "cannot read " + std::string(fileKey) + " " + file.text + " of " + what + " (" +
                                          Origin{origin.file, file.line}.where() + "): " + errnoText(read.error())));
    }
    out = std::move(*read);
  }
  return out;
}

// The context to use and the cluster and user it names, each defined.
struct Selection {
  std::string contextName;
  const ContextEntry* context = nullptr;
  const ClusterEntry* cluster = nullptr;
  const UserEntry* user = nullptr;  // null: anonymous, e.g. behind `kubectl proxy`
};

ConfigResult<Selection> selectContext(const Merged& m, const std::string& fileList, const std::string& requested) {
  Selection out;
  out.contextName = requested.empty() ? m.currentContext : requested;
  const std::string& name = out.contextName;
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
  out.context = &ctx;
  const std::string ctxWhat = "context " + quote(name) + " (" + ctx.origin.where() + ")";

  if (ctx.cluster.empty()) return err(error(Code::Invalid, ctxWhat + " names no cluster"));
  auto clusterIt = m.clusters.find(ctx.cluster.text);
  if (clusterIt == m.clusters.end()) {
    return err(error(Code::Invalid, ctxWhat + " names cluster " + quote(ctx.cluster.text) +
                                        ", which is not defined in " + fileList + "; clusters: " + names(m.clusters)));
  }
  out.cluster = &clusterIt->second;
  if (!ctx.user.empty()) {
    auto userIt = m.users.find(ctx.user.text);
    if (userIt == m.users.end()) {
      return err(error(Code::Invalid, ctxWhat + " names user " + quote(ctx.user.text) + ", which is not defined in " +
                                          fileList + "; users: " + names(m.users)));
    }
    out.user = &userIt->second;
  }
  return out;
}

// The server and TLS settings of cluster `name` into `out`.
ConfigResult<Unit> applyCluster(const ClusterEntry& cluster, const std::string& name, RestConfig& out) {
  const std::string clusterWhat = "cluster " + quote(name);
  const std::string clusterAt = clusterWhat + " (" + cluster.origin.where() + ")";
  if (!cluster.proxyUrl.empty()) {
    return err(error(Code::Unsupported, clusterAt + " sets proxy-url, which is not supported yet"));
  }
  if (!cluster.tlsServerName.empty()) {
    return err(error(Code::Unsupported, clusterAt + " sets tls-server-name, which is not supported yet"));
  }
  if (cluster.server.empty()) return err(error(Code::Invalid, clusterAt + " has no server"));
  auto server = normalizeServer(cluster.server.text);
  if (!server) {
    return err(error(Code::Invalid, Origin{cluster.origin.file, cluster.server.line}.where() + ": server " +
                                        quote(cluster.server.text) + " of " + clusterWhat + " " + server.error()));
  }
  out.server = std::move(*server);
  auto ca = pemFrom(cluster.caData, cluster.ca, "certificate-authority-data", "certificate-authority", clusterWhat,
                    cluster.origin);
  if (!ca) return err(std::move(ca).error());
  out.caPem = std::move(*ca);
  out.caFile = cluster.caData.empty() ? cluster.ca.text : "";
  out.insecureSkipTlsVerify = cluster.insecure;
  if (cluster.insecure && !out.caPem.empty()) {
    // kubectl refuses this too: which one did the user mean?
    return err(
        error(Code::Invalid, clusterAt + " sets insecure-skip-tls-verify and a certificate authority; keep one"));
  }
  return Unit{};
}

// The bearer token of user `userWhat`: the static token, unless a tokenFile
// is set and not empty; the file takes over then (client-go does the same).
ConfigResult<Unit> applyToken(const UserEntry& user, const std::string& userWhat, RestConfig& out) {
  out.bearerToken = trim(user.token.text);
  out.tokenFile = user.tokenFile.text;
  if (out.tokenFile.empty()) return Unit{};
  auto read = readFile(out.tokenFile);
  if (!read) {
    return err(error(Code::Invalid, "cannot read tokenFile " + out.tokenFile + " of " + userWhat + " (" +
                                        Origin{user.origin.file, user.tokenFile.line}.where() +
                                        "): " + errnoText(read.error())));
  }
  std::string content = trim(*read);
  if (content.empty() && out.bearerToken.empty()) {
    return err(error(Code::Invalid, "tokenFile " + out.tokenFile + " of " + userWhat + " is empty"));
  }
  if (!content.empty()) out.bearerToken = std::move(content);
  return Unit{};
}

// The credentials of user `name` into `out`.
ConfigResult<Unit> applyUser(const UserEntry& user, const std::string& name, RestConfig& out) {
  const std::string userWhat = "user " + quote(name);
  const std::string userAt = userWhat + " (" + user.origin.where() + ")";
  if (!user.unsupported.empty()) {
    return err(error(Code::Unsupported, userAt + " uses " + join(user.unsupported, " and ") +
                                            ", which is not supported yet; use a user with a client certificate "
                                            "or a token (e.g. from `kubectl create token`)"));
  }
  auto cert = pemFrom(user.clientCertData, user.clientCert, "client-certificate-data", "client-certificate", userWhat,
                      user.origin);
  if (!cert) return err(std::move(cert).error());
  out.clientCertPem = std::move(*cert);
  auto key = pemFrom(user.clientKeyData, user.clientKey, "client-key-data", "client-key", userWhat, user.origin);
  if (!key) return err(std::move(key).error());
  out.clientKeyPem = std::move(*key);
  if (out.clientCertPem.empty() != out.clientKeyPem.empty()) {
    return err(error(Code::Invalid, userAt + " has a client " + (out.clientCertPem.empty() ? "key" : "certificate") +
                                        " without a client " + (out.clientCertPem.empty() ? "certificate" : "key")));
  }
  return applyToken(user, userWhat, out);
}

// The merged files' chosen context as a RestConfig.
ConfigResult<RestConfig> resolve(const Merged& m, const std::vector<std::string>& files, const std::string& requested) {
  const std::string fileList = join(files);
  auto chosen = selectContext(m, fileList, requested);
  if (!chosen) return err(std::move(chosen).error());
  const ContextEntry& ctx = *chosen->context;

  RestConfig out;
  out.contextName = chosen->contextName;
  out.source = "kubeconfig " + fileList;
  out.defaultNamespace = ctx.ns.empty() ? "default" : ctx.ns.text;
  if (auto applied = applyCluster(*chosen->cluster, ctx.cluster.text, out); !applied) {
    return err(std::move(applied).error());
  }
  if (chosen->user == nullptr) return out;
  if (auto applied = applyUser(*chosen->user, ctx.user.text, out); !applied) return err(std::move(applied).error());
  return out;
}

}  // namespace

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

ConfigResult<RestConfig> loadKubeconfig(const std::vector<std::string>& files, const std::string& context) {
  if (files.empty()) return err(error(Code::NotFound, "no kubeconfig file given"));
  Merged merged;
  for (const std::string& file : files) {
    if (auto read = FileReader(file, merged).read(); !read) return err(std::move(read).error());
  }
  return resolve(merged, files, context);
}

}  // namespace mb::kube
