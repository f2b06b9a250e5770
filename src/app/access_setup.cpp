#include "access_setup.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "credentials_file.h"
#include "net/tls_context.h"
#include "persist/data_files.h"

namespace sluice::app {

namespace {

constexpr const char* kCredentialsName = "credentials";
constexpr const char* kConfigName = "config";
constexpr const char* kControlTokenName = "control-token";

bool Exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// `dir`, made (0700) when missing; its parent must exist.
Status EnsureDirectory(const std::string& dir, const std::string& flag) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return Ok{};
  return ServiceError::Internal(flag + " " + dir + ": " + std::strerror(errno));
}

// Where generated files go when no flag says: the data directory (they then
// survive a restart with the state), else a new private directory.
class FileHome {
 public:
  explicit FileHome(const Options& options) : options_(options) {}

  Result<std::string> AuthDir() {
    if (!options_.access.auth_dir.empty()) {
      if (auto made = EnsureDirectory(options_.access.auth_dir, "--auth-dir"); !made) {
        return made.error();
      }
      return options_.access.auth_dir;
    }
    return Default();
  }

  Result<std::string> TlsDir() {
    if (!options_.tls.dir.empty()) {
      if (auto made = EnsureDirectory(options_.tls.dir, "--tls-dir"); !made) return made.error();
      return options_.tls.dir;
    }
    if (!options_.access.auth_dir.empty()) return AuthDir();
    return Default();
  }

 private:
  Result<std::string> Default() {
    if (!options_.journal.dir.empty()) return options_.journal.dir;  // OpenDataDir made it
    if (!temporary_.empty()) return temporary_;
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                          "/sluice-auth-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) {
      return ServiceError::Internal("cannot make a directory like " + pattern + ": " +
                                    std::strerror(errno));
    }
    temporary_ = buffer.data();
    return temporary_;
  }

  const Options& options_;
  std::string temporary_;
};

Status WriteFile(const std::string& dir, const std::string& name, const std::string& text) {
  std::string error;
  if (!persist::WriteFileDurably(dir, name, text, &error)) {
    return ServiceError::Internal("cannot write " + dir + "/" + name + ": " + error);
  }
  return Ok{};
}

// The keys: --credentials, else those an earlier start wrote to the auth
// directory, else one pair made now and written there.
Result<std::vector<protocol::Credential>> LoadCredentials(const Options& options, FileHome& home,
                                                          std::ostream& notices) {
  if (!options.access.credentials_file.empty()) {
    auto read = ReadCredentialsFile(options.access.credentials_file, options.default_account);
    if (!read) return ServiceError::Internal("--credentials " + read.error().message());
    return read;
  }
  auto dir = home.AuthDir();
  if (!dir) return dir.error();
  const std::string path = *dir + "/" + kCredentialsName;
  if (Exists(path)) {
    auto read = ReadCredentialsFile(path, options.default_account);
    if (!read) return ServiceError::Internal("--auth-dir " + read.error().message());
    notices << "sluice: --auth strict: credentials from " << path << "\n";
    return read;
  }
  const protocol::Credential made = GenerateCredential(options.default_account);
  if (auto written = WriteFile(*dir, kCredentialsName, RenderCredentialsFile(made)); !written) {
    return written.error();
  }
  if (auto written = WriteFile(*dir, kConfigName, RenderConfigFile(made.profile, options.default_region));
      !written) {
    return written.error();
  }
  notices << "sluice: --auth strict: credentials in " << path << " (profile " << made.profile
          << ", account " << made.account_id << "), config in " << *dir << "/" << kConfigName
          << "; use AWS_SHARED_CREDENTIALS_FILE=" << path << " AWS_CONFIG_FILE=" << *dir << "/"
          << kConfigName << " AWS_PROFILE=" << made.profile << "\n";
  return std::vector<protocol::Credential>{made};
}

// --control-token, else the one an earlier start wrote, else a new one.
Result<std::string> LoadControlToken(const Options& options, FileHome& home,
                                     std::ostream& notices) {
  if (!options.access.control_token.empty()) return options.access.control_token;
  auto dir = home.AuthDir();
  if (!dir) return dir.error();
  const std::string path = *dir + "/" + kControlTokenName;
  if (Exists(path)) {
    std::string text;
    std::string error;
    if (!persist::ReadWholeFile(path, text, &error)) {
      return ServiceError::Internal("cannot read " + path + ": " + error);
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.size() < 8) return ServiceError::Internal(path + " holds no control token");
    notices << "sluice: --auth strict: control token from " << path << "\n";
    return text;
  }
  std::string token = GenerateControlToken();
  if (auto written = WriteFile(*dir, kControlTokenName, token); !written) return written.error();
  notices << "sluice: --auth strict: control token in " << path << "\n";
  return token;
}

Result<std::shared_ptr<boost::asio::ssl::context>> LoadTls(const Options& options, FileHome& home,
                                                           std::ostream& notices) {
  if (!options.tls.enabled()) return std::shared_ptr<boost::asio::ssl::context>{};
  std::string cert_file = options.tls.cert_file;
  std::string key_file = options.tls.key_file;
  if (options.tls.self_signed) {
    auto dir = home.TlsDir();
    if (!dir) return dir.error();
    auto made = net::WriteSelfSignedCertificate(*dir);
    if (!made) return ServiceError::Internal("--tls self-signed: " + made.error().message());
    cert_file = made->cert_file;
    key_file = made->key_file;
    notices << "sluice: --tls self-signed: certificate in " << cert_file
            << " (trust it with AWS_CA_BUNDLE=" << cert_file << ")\n";
  }
  auto context = net::MakeServerTlsContext(cert_file, key_file);
  if (!context) return ServiceError::Internal(context.error().message());
  return *context;
}

}  // namespace

Result<AccessSetup> SetUpAccess(const Options& options, std::ostream& notices) {
  AccessSetup setup;
  FileHome home(options);
  if (options.access.strict) {
    auto credentials = LoadCredentials(options, home, notices);
    if (!credentials) return credentials.error();
    setup.credentials = std::make_shared<const protocol::CredentialStore>(std::move(*credentials));
    setup.verifier = std::make_shared<const protocol::SigV4Verifier>(*setup.credentials, "codepipeline");
    auto token = LoadControlToken(options, home, notices);
    if (!token) return token.error();
    setup.control_token = std::move(*token);
  } else {
    setup.control_token = options.access.control_token;  // may guard the controls alone
  }
  auto tls = LoadTls(options, home, notices);
  if (!tls) return tls.error();
  setup.tls = std::move(*tls);
  return setup;
}

}  // namespace sluice::app
