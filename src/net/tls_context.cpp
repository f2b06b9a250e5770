#include "tls_context.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace sluice::net {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

// OpenSSL's reason for the failure at hand: the earliest error on this
// thread's queue (the root cause; later ones only say who called it). The
// queue is emptied so the next call starts clean.
std::string OpenSslReason() {
  unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return "unknown OpenSSL error";
  if (const char* reason = ERR_reason_error_string(first)) return reason;
  std::array<char, 256> text{};
  ERR_error_string_n(first, text.data(), text.size());
  return text.data();
}

std::string SystemReason(int error) { return std::strerror(error); }

// The whole file, or the reason it could not be read (missing, unreadable,
// a directory). Reading it ourselves gives errno's words instead of
// OpenSSL's "system lib".
Result<std::string> ReadWholeFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return ServiceError::Internal("cannot read: is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return ServiceError::Internal("cannot read: " + SystemReason(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ServiceError::Internal("cannot read: " + SystemReason(errno));
  return text.str();
}

BioPtr MemoryBio(const std::string& text) {
  // BIO_new_mem_buf takes an int length; PEM files are far below that.
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// PEM pass-phrase callback that supplies none, so an encrypted key fails
// instead of OpenSSL prompting on the terminal.
int NoPassphrase(char*, int, int, void*) { return -1; }

// True when the error queue holds only "no start line": the end of a PEM
// file after its last block.
bool AtEndOfPem() {
  unsigned long last = ERR_peek_last_error();
  return ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
}

Status LoadCertificateChain(SSL_CTX* ctx, const std::string& cert_file) {
  auto fail = [&](const std::string& why) -> Status {
    return ServiceError::Internal("--tls-cert " + cert_file + ": " + why);
  };
  Result<std::string> text = ReadWholeFile(cert_file);
  if (!text) return fail(text.error().message());
  BioPtr bio = MemoryBio(*text);
  if (!bio) return fail(OpenSslReason());
  ERR_clear_error();
  X509Ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!leaf) {
    if (AtEndOfPem()) {
      ERR_clear_error();
      return fail("no PEM certificate found");
    }
    return fail(OpenSslReason());
  }
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) return fail(OpenSslReason());
  // The rest of the file is the chain up to (not necessarily including) the
  // root, sent to clients after the leaf.
  if (SSL_CTX_clear_chain_certs(ctx) != 1) return fail(OpenSslReason());
  for (;;) {
    X509Ptr next(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
    if (!next) {
      if (AtEndOfPem()) break;
      return fail("chain certificate: " + OpenSslReason());
    }
    // add0 takes ownership only on success.
    if (SSL_CTX_add0_chain_cert(ctx, next.get()) != 1) return fail(OpenSslReason());
    static_cast<void>(next.release());
  }
  ERR_clear_error();
  return Ok{};
}

Status LoadPrivateKey(SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file) {
  auto fail = [&](const std::string& why) -> Status {
    return ServiceError::Internal("--tls-key " + key_file + ": " + why);
  };
  Result<std::string> text = ReadWholeFile(key_file);
  if (!text) return fail(text.error().message());
  BioPtr bio = MemoryBio(*text);
  if (!bio) return fail(OpenSslReason());
  ERR_clear_error();
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    // OpenSSL 3's decoders report a file without a key block as merely
    // "unsupported"; say what is wrong instead.
    std::string reason = OpenSslReason();
    if (text->find("PRIVATE KEY-----") == std::string::npos) return fail("no PEM private key found");
    if (text->find("ENCRYPTED") != std::string::npos) {
      return fail("the key is encrypted; give it without a pass phrase");
    }
    return fail(reason);
  }
  // Checked against the leaf first: SSL_CTX_use_PrivateKey files a key of
  // another type under a slot with no certificate and then only says "no
  // certificate assigned".
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (leaf == nullptr || X509_check_private_key(leaf, key.get()) != 1) {
    return fail("does not match the certificate in " + cert_file + " (" + OpenSslReason() + ")");
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return fail(OpenSslReason());
  }
  return Ok{};
}

// ---- self-signed certificate ----

constexpr long kSecondsPerDay = 24L * 60 * 60;
constexpr long kValidDays = 825;  // Apple's limit for TLS server certificates

Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return ServiceError::Internal(std::string("certificate extension ") + OBJ_nid2sn(nid) +
                                  ": " + OpenSslReason());
  }
  return Ok{};
}

Status SetRandomSerial(X509* cert) {
  // 128 random bits (RFC 5280 allows up to 20 octets); a BIGNUM is never
  // negative, and a zero serial is regenerated.
  std::array<unsigned char, 16> bytes{};
  BignumPtr serial;
  do {
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return ServiceError::Internal("certificate serial: " + OpenSslReason());
    }
    serial.reset(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
    if (!serial) return ServiceError::Internal("certificate serial: " + OpenSslReason());
  } while (BN_is_zero(serial.get()));
  if (BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) == nullptr) {
    return ServiceError::Internal("certificate serial: " + OpenSslReason());
  }
  return Ok{};
}

Result<X509Ptr> MakeCertificate(EVP_PKEY* key) {
  auto fail = [](const std::string& step) -> ServiceError {
    return ServiceError::Internal(step + ": " + OpenSslReason());
  };
  X509Ptr cert(X509_new());
  if (!cert) return fail("certificate");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return fail("certificate version");
  if (Status s = SetRandomSerial(cert.get()); !s) return s.error();
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kSecondsPerDay) == nullptr ||
      // 825 days in all, counted from notBefore: Apple's clients refuse a
      // server certificate valid for longer.
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), (kValidDays - 1) * kSecondsPerDay) ==
          nullptr) {
    return fail("certificate validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  static constexpr unsigned char kCommonName[] = "localhost";
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, kCommonName, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return fail("certificate name");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return fail("certificate public key");

  // The certificate is its own issuer. The subject key identifier goes in
  // before the authority key identifier, which copies it. CA:TRUE and
  // keyCertSign let clients take it as a trust anchor; X509_STRICT wants
  // basicConstraints critical, both key identifiers, and a SAN.
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::pair<int, const char*> extensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,digitalSignature,keyCertSign"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},
      {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
  };
  for (const auto& [nid, value] : extensions) {
    if (Status s = AddExtension(cert.get(), &ctx, nid, value); !s) return s.error();
  }
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return fail("certificate signature");
  return cert;
}

// Writes `text` to `path` through a temporary file in the same directory
// (created 0600 by mkstemp, then set to `mode`) and a rename, so the final
// name only ever holds the whole file with its final permissions.
Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode) {
  auto fail = [&](const std::string& step, int error) -> Status {
    return ServiceError::Internal(step + " " + path + ": " + SystemReason(error));
  };
  std::string temp = path + ".XXXXXX";
  std::vector<char> pattern(temp.begin(), temp.end());
  pattern.push_back('\0');
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) return fail("create", errno);
  temp.assign(pattern.data());
  auto abandon = [&](const std::string& step) -> Status {
    int error = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return fail(step, error);
  };
  if (::fchmod(fd, mode) != 0) return abandon("chmod");
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return abandon("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return abandon("write");
  if (::close(fd) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    return fail("write", error);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    return fail("rename to", error);
  }
  return Ok{};
}

Status EnsurePrivateDirectory(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Ok{};
  std::filesystem::path parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return ServiceError::Internal("create directory " + parent.string() + ": " + ec.message());
  }
  // The last component gets 0700 from the start (umask can only narrow it).
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ServiceError::Internal("create directory " + dir + ": " + SystemReason(errno));
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return ServiceError::Internal("create directory " + dir + ": not a directory");
  }
  return Ok{};
}

Result<std::string> ToPem(int (*write)(BIO*, void*), void* object, const char* what) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get(), object) != 1) {
    return ServiceError::Internal(std::string("encode ") + what + ": " + OpenSslReason());
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0 || data == nullptr) {
    return ServiceError::Internal(std::string("encode ") + what + ": empty");
  }
  return std::string(data, static_cast<std::size_t>(size));
}

int WriteCertificatePem(BIO* bio, void* cert) {
  return PEM_write_bio_X509(bio, static_cast<X509*>(cert));
}

int WriteKeyPem(BIO* bio, void* key) {
  // PKCS#8, unencrypted: what Beast, Python and curl all read.
  return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(key), nullptr, nullptr, 0,
                                  nullptr, nullptr);
}

}  // namespace

Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_file, const std::string& key_file) {
  namespace ssl = boost::asio::ssl;
  std::shared_ptr<ssl::context> context;
  try {
    context = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return ServiceError::Internal(std::string("TLS context: ") + e.what());
  }
  SSL_CTX* ctx = context->native_handle();
  ERR_clear_error();
  // TLS 1.2 is the floor: SDKs speak it or 1.3, and older versions are
  // deprecated (RFC 8996). Renegotiation is a denial-of-service lever only.
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return ServiceError::Internal("TLS context: " + OpenSslReason());
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (Status s = LoadCertificateChain(ctx, cert_file); !s) return s.error();
  if (Status s = LoadPrivateKey(ctx, cert_file, key_file); !s) return s.error();
  return context;
}

Result<SelfSignedFiles> WriteSelfSignedCertificate(const std::string& dir) {
  ERR_clear_error();
  if (Status s = EnsurePrivateDirectory(dir); !s) return s.error();
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return ServiceError::Internal("generate EC P-256 key: " + OpenSslReason());
  Result<X509Ptr> cert = MakeCertificate(key.get());
  if (!cert) return cert.error();
  Result<std::string> cert_pem = ToPem(WriteCertificatePem, cert->get(), "certificate");
  if (!cert_pem) return cert_pem.error();
  Result<std::string> key_pem = ToPem(WriteKeyPem, key.get(), "private key");
  if (!key_pem) return key_pem.error();

  SelfSignedFiles files{(std::filesystem::path(dir) / "cert.pem").string(),
                        (std::filesystem::path(dir) / "key.pem").string()};
  if (Status s = WriteFileAtomically(files.key_file, *key_pem, 0600); !s) return s.error();
  if (Status s = WriteFileAtomically(files.cert_file, *cert_pem, 0644); !s) return s.error();
  return files;
}

}  // namespace sluice::net
