// Exec credential plugins: running the command (posix_spawn with a pipe for stdout, a deadline,
// the child killed on timeout), KUBERNETES_EXEC_INFO, and parsing the ExecCredential it prints.
// See include/modelops/kube/auth.h. The plugin's output holds secrets: it is never logged, and
// error messages name fields, not values.
// Thread-safety: runExecPlugin may run concurrently (pipes are close-on-exec so that children
// spawned by other threads do not inherit them); the parsers are pure.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "json_util.h"
#include "modelops/common/time.h"
#include "auth.h"

extern char** environ;  // NOLINT: POSIX

namespace modelops::kube {
namespace {

std::string encodeBase64(std::string_view data) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i < data.size()) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

Result<ExecCredential> parseExecCredential(std::string_view output, const std::string& expectedApiVersion) {
  auto bad = [](const std::string& message) { return Error{"AuthError", "exec plugin output: " + message}; };
  auto parsed = nlohmann::json::parse(output, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return bad("not a JSON object");
  auto apiVersion = parsed.find("apiVersion");
  if (apiVersion == parsed.end() || !apiVersion->is_string()) return bad("apiVersion: missing");
  if (*apiVersion != expectedApiVersion)
    return bad("apiVersion: \"" + apiVersion->get<std::string>() + "\", expected \"" + expectedApiVersion + "\"");
  if (detail::stringOr(parsed, "kind") != "ExecCredential") return bad("kind: must be ExecCredential");
  auto status = parsed.find("status");
  if (status == parsed.end() || !status->is_object()) return bad("status: missing");
  ExecCredential credential;
  for (auto [key, target] : {std::pair{"token", &credential.token},
                             std::pair{"clientCertificateData", &credential.clientCertificateData},
                             std::pair{"clientKeyData", &credential.clientKeyData}}) {
    auto it = status->find(key);
    if (it == status->end() || it->is_null()) continue;
    if (!it->is_string()) return bad(std::string("status.") + key + ": must be a string");
    *target = it->get<std::string>();
  }
  if (credential.token.empty() && credential.clientCertificateData.empty())
    return bad("status: neither token nor clientCertificateData is set");
  if (credential.clientCertificateData.empty() != credential.clientKeyData.empty())
    return bad("status: clientCertificateData and clientKeyData must be given together");
  if (auto it = status->find("expirationTimestamp"); it != status->end() && !it->is_null()) {
    if (!it->is_string()) return bad("status.expirationTimestamp: must be a string");
    auto when = parseRfc3339(it->get<std::string>());
    if (!when) return bad("status.expirationTimestamp: not an RFC 3339 time");
    credential.expirationTimestamp = *when;
  }
  return credential;
}

std::string execInfoJson(const ExecConfig& exec, const ClientConfig& cluster) {
  nlohmann::json info = {{"apiVersion", exec.apiVersion},
                         {"kind", "ExecCredential"},
                         {"spec", {{"interactive", false}}}};
  if (exec.provideClusterInfo) {
    nlohmann::json c = {{"server", cluster.server}};
    if (!cluster.tlsServerName.empty()) c["tls-server-name"] = cluster.tlsServerName;
    if (cluster.insecureSkipTlsVerify) c["insecure-skip-tls-verify"] = true;
    if (!cluster.caData.empty()) c["certificate-authority-data"] = encodeBase64(cluster.caData);
    info["spec"]["cluster"] = c;
  }
  return info.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> runExecPlugin(const ExecConfig& exec, const std::string& execInfo) {
  auto fail = [&](const std::string& message) {
    std::string hint = exec.installHint.empty() ? "" : " (" + exec.installHint + ")";
    return Error{"AuthError", "exec plugin " + exec.command + ": " + message + hint};
  };
  int pipeFds[2];
  if (pipe2(pipeFds, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));

  // Environment: inherited, then the configured variables, then KUBERNETES_EXEC_INFO.
  std::map<std::string, std::string> envMap;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    auto eq = entry.find('=');
    if (eq != std::string::npos) envMap[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : exec.env) envMap[name] = value;
  envMap["KUBERNETES_EXEC_INFO"] = execInfo;
  std::vector<std::string> envStrings;
  for (const auto& [name, value] : envMap) envStrings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& s : envStrings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argStrings{exec.command};
  argStrings.insert(argStrings.end(), exec.args.begin(), exec.args.end());
  std::vector<char*> argv;
  for (auto& s : argStrings) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 1);
  pid_t pid = 0;
  bool searchPath = exec.command.find('/') == std::string::npos;
  int rc = searchPath ? posix_spawnp(&pid, exec.command.c_str(), &actions, nullptr, argv.data(), envp.data())
                      : posix_spawn(&pid, exec.command.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipeFds[1]);
  if (rc != 0) {
    close(pipeFds[0]);
    return fail(std::string("cannot start: ") + std::strerror(rc));
  }

  std::string output;
  bool timedOut = false;
  bool tooLarge = false;
  auto deadline = std::chrono::steady_clock::now() + exec.timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd pfd{pipeFds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    if (ready == 0) continue;
    char buf[4096];
    ssize_t n = read(pipeFds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the plugin closed stdout
    output.append(buf, static_cast<std::size_t>(n));
    if (output.size() > 1024 * 1024) {
      tooLarge = true;
      break;
    }
  }
  close(pipeFds[0]);
  if (timedOut || tooLarge) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) return fail("timed out after " + std::to_string(exec.timeout.count()) + " ms");
  if (tooLarge) return fail("printed more than 1 MiB");
  if (WIFSIGNALED(status)) return fail("killed by signal " + std::to_string(WTERMSIG(status)));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail("exited with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  return output;
}

}  // namespace modelops::kube
