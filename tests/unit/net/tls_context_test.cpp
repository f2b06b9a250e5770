// The HTTPS context and the self-signed certificate: files and modes, what the
// certificate says, the errors for bad files, and real handshakes on loopback
// with a client that verifies the way SDKs do.
#include "net/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sluice::net {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS_free>>;

X509Ptr ReadCertificate(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509Ptr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

KeyPtr ReadKey(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  KeyPtr key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return key;
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777u;
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Subject alternative names as "DNS:x" / "IP:a.b.c.d" / "IP6:<16 bytes hex>".
std::set<std::string> SubjectAltNames(X509* cert) {
  std::set<std::string> names;
  NamesPtr sans(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!sans) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      names.insert("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                        static_cast<std::size_t>(ASN1_STRING_length(dns))));
    } else if (name->type == GEN_IPADD) {
      const unsigned char* ip = ASN1_STRING_get0_data(name->d.iPAddress);
      int length = ASN1_STRING_length(name->d.iPAddress);
      if (length == 4) {
        names.insert("IP:" + std::to_string(ip[0]) + "." + std::to_string(ip[1]) + "." +
                     std::to_string(ip[2]) + "." + std::to_string(ip[3]));
      } else {
        std::string hex = "IP6:";
        static constexpr char kDigits[] = "0123456789abcdef";
        for (int b = 0; b < length; ++b) {
          hex += kDigits[ip[b] >> 4];
          hex += kDigits[ip[b] & 0xf];
        }
        names.insert(hex);
      }
    }
  }
  return names;
}

// Verifies `cert` against itself as the only trust anchor under OpenSSL's
// X509_STRICT (what Python 3.13+ turns on), for a TLS server at `host`.
int VerifyStrict(X509* cert, const std::string& host) {
  StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), cert);
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (host.find_first_not_of("0123456789.:") == std::string::npos) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  return X509_STORE_CTX_get_error(ctx.get());
}

class TlsContextTest : public ::testing::Test {
 protected:
  TlsContextTest() {
    std::string pattern = (fs::temp_directory_path() / "sluice-tls-test-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    root_ = ::mkdtemp(buffer.data());
  }
  ~TlsContextTest() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  SelfSignedFiles Write(const std::string& name) {
    Result<SelfSignedFiles> files = WriteSelfSignedCertificate(root_ + "/" + name);
    EXPECT_TRUE(files.ok()) << (files ? "" : files.error().message());
    return files ? *files : SelfSignedFiles{};
  }

  std::string root_;
};

TEST_F(TlsContextTest, WritesCertificateAndKeyWithTheirModes) {
  SelfSignedFiles files = Write("tls");
  EXPECT_EQ(files.cert_file, root_ + "/tls/cert.pem");
  EXPECT_EQ(files.key_file, root_ + "/tls/key.pem");
  EXPECT_EQ(Mode(root_ + "/tls"), 0700u);
  EXPECT_EQ(Mode(files.cert_file), 0644u);
  EXPECT_EQ(Mode(files.key_file), 0600u);
  // No temporary files are left behind.
  std::set<std::string> entries;
  for (const auto& entry : fs::directory_iterator(root_ + "/tls")) {
    entries.insert(entry.path().filename().string());
  }
  EXPECT_EQ(entries, (std::set<std::string>{"cert.pem", "key.pem"}));
}

TEST_F(TlsContextTest, CreatesMissingParentsAndReusesAnExistingDirectory) {
  Write("a/b/tls");
  EXPECT_EQ(Mode(root_ + "/a/b/tls"), 0700u);
  SelfSignedFiles again = Write("a/b/tls");  // a restart rewrites both files
  EXPECT_EQ(Mode(again.key_file), 0600u);
  EXPECT_EQ(Mode(again.cert_file), 0644u);
}

TEST_F(TlsContextTest, CertificateIsForLocalhostForTheDocumentedTime) {
  SelfSignedFiles files = Write("tls");
  X509Ptr cert = ReadCertificate(files.cert_file);
  KeyPtr key = ReadKey(files.key_file);
  ASSERT_TRUE(cert);
  ASSERT_TRUE(key);

  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 256);
  std::array<char, 64> group{};
  std::size_t group_length = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key.get(), group.data(), group.size(), &group_length), 1);
  EXPECT_EQ(std::string(group.data()), "prime256v1");
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);

  std::array<char, 256> subject{};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, subject.data(),
                            static_cast<int>(subject.size()));
  EXPECT_EQ(std::string(subject.data()), "localhost");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())), 0);

  EXPECT_EQ(SubjectAltNames(cert.get()),
            (std::set<std::string>{"DNS:localhost", "IP:127.0.0.1",
                                   "IP6:00000000000000000000000000000001"}));

  // A CA, so a client can use the file as its CA bundle.
  BasicConstraintsPtr constraints(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert.get(), NID_basic_constraints, nullptr, nullptr)));
  ASSERT_TRUE(constraints);
  EXPECT_TRUE(constraints->ca);
  EXPECT_TRUE(X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN);
  EXPECT_TRUE(X509_get_key_usage(cert.get()) & KU_DIGITAL_SIGNATURE);
  EXPECT_TRUE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER);
  ASSERT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
  ASSERT_NE(X509_get0_authority_key_id(cert.get()), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(cert.get()),
                                  X509_get0_authority_key_id(cert.get())),
            0);

  // Valid from a day ago, for 825 days in all.
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert.get()),
                           X509_get0_notAfter(cert.get())),
            1);
  EXPECT_EQ(days, 825);
  EXPECT_EQ(seconds, 0);
  std::time_t now = std::time(nullptr);
  EXPECT_LT(X509_cmp_time(X509_get0_notBefore(cert.get()), &now), 0);
  std::time_t yesterday_plus_a_minute = now - 24 * 60 * 60 + 60;
  EXPECT_LT(X509_cmp_time(X509_get0_notBefore(cert.get()), &yesterday_plus_a_minute), 0);

  for (const std::string host : {"localhost", "127.0.0.1", "::1"}) {
    EXPECT_EQ(VerifyStrict(cert.get(), host), X509_V_OK)
        << host << ": " << X509_verify_cert_error_string(VerifyStrict(cert.get(), host));
  }
  EXPECT_NE(VerifyStrict(cert.get(), "example.com"), X509_V_OK);
}

TEST_F(TlsContextTest, EachCallMakesAFreshKeyAndSerial) {
  SelfSignedFiles first = Write("one");
  SelfSignedFiles second = Write("two");
  X509Ptr a = ReadCertificate(first.cert_file);
  X509Ptr b = ReadCertificate(second.cert_file);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.get()), X509_get0_serialNumber(b.get())), 0);
  KeyPtr key_b = ReadKey(second.key_file);
  EXPECT_NE(X509_check_private_key(a.get(), key_b.get()), 1);
  ERR_clear_error();
}

TEST_F(TlsContextTest, DirectoryThatIsAFileIsAnError) {
  WriteText(root_ + "/file", "x");
  Result<SelfSignedFiles> files = WriteSelfSignedCertificate(root_ + "/file");
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message().find("create directory " + root_ + "/file"), std::string::npos)
      << files.error().message();
}

TEST_F(TlsContextTest, LoadsTheSelfSignedPairAsTls12AndUp) {
  SelfSignedFiles files = Write("tls");
  auto context = MakeServerTlsContext(files.cert_file, files.key_file);
  ASSERT_TRUE(context.ok()) << context.error().message();
  ASSERT_TRUE(*context);
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*context)->native_handle()), TLS1_2_VERSION);
}

TEST_F(TlsContextTest, MissingFilesNameTheFlagAndTheReason) {
  SelfSignedFiles files = Write("tls");
  auto no_cert = MakeServerTlsContext(root_ + "/none.pem", files.key_file);
  ASSERT_FALSE(no_cert.ok());
  EXPECT_EQ(no_cert.error().message(),
            "--tls-cert " + root_ + "/none.pem: cannot read: No such file or directory");
  auto no_key = MakeServerTlsContext(files.cert_file, root_ + "/none.pem");
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().message(),
            "--tls-key " + root_ + "/none.pem: cannot read: No such file or directory");
}

TEST_F(TlsContextTest, GarbageIsNotPem) {
  SelfSignedFiles files = Write("tls");
  std::string garbage = root_ + "/garbage.pem";
  WriteText(garbage, "this is not a certificate\n");
  auto bad_cert = MakeServerTlsContext(garbage, files.key_file);
  ASSERT_FALSE(bad_cert.ok());
  EXPECT_EQ(bad_cert.error().message(), "--tls-cert " + garbage + ": no PEM certificate found");
  auto bad_key = MakeServerTlsContext(files.cert_file, garbage);
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().message(), "--tls-key " + garbage + ": no PEM private key found");

  // A PEM block whose body is damaged gets OpenSSL's reason.
  std::string damaged = root_ + "/damaged.pem";
  WriteText(damaged, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  auto damaged_cert = MakeServerTlsContext(damaged, files.key_file);
  ASSERT_FALSE(damaged_cert.ok());
  EXPECT_EQ(damaged_cert.error().message().rfind("--tls-cert " + damaged + ": ", 0), 0u)
      << damaged_cert.error().message();
}

TEST_F(TlsContextTest, KeyOfAnotherCertificateIsRefused) {
  SelfSignedFiles one = Write("one");
  SelfSignedFiles two = Write("two");
  auto mixed = MakeServerTlsContext(one.cert_file, two.key_file);
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().message(), "--tls-key " + two.key_file +
                                         ": does not match the certificate in " + one.cert_file +
                                         " (key values mismatch)");
}

TEST_F(TlsContextTest, ChainAfterTheLeafIsAccepted) {
  SelfSignedFiles leaf = Write("leaf");
  SelfSignedFiles other = Write("other");
  std::ifstream a(leaf.cert_file);
  std::ifstream b(other.cert_file);
  std::string bundle((std::istreambuf_iterator<char>(a)), std::istreambuf_iterator<char>());
  bundle.append(std::istreambuf_iterator<char>(b), std::istreambuf_iterator<char>());
  WriteText(root_ + "/chain.pem", bundle);
  auto context = MakeServerTlsContext(root_ + "/chain.pem", leaf.key_file);
  ASSERT_TRUE(context.ok()) << context.error().message();
  STACK_OF(X509)* chain = nullptr;
  ASSERT_EQ(SSL_CTX_get0_chain_certs((*context)->native_handle(), &chain), 1);
  EXPECT_EQ(sk_X509_num(chain), 1);
}

// One TLS connection on loopback: the server answers "pong" to "ping"; the
// client trusts only `ca_file` and checks the certificate against `host`.
struct Exchange {
  boost::system::error_code client_error;
  boost::system::error_code server_error;
  std::string client_got;
  std::string server_got;
  int version = 0;
};

Exchange PingOverTls(ssl::context& server_context, const std::string& ca_file,
                     const std::string& host) {
  Exchange result;
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::thread server([&] {
    ssl::stream<tcp::socket> stream(io, server_context);
    boost::system::error_code& ec = result.server_error;
    acceptor.accept(stream.next_layer(), ec);
    if (!ec) stream.handshake(ssl::stream_base::server, ec);
    std::string buffer(4, '\0');
    if (!ec) asio::read(stream, asio::buffer(buffer), ec);
    if (!ec) result.server_got = buffer;
    if (!ec) asio::write(stream, asio::buffer(std::string("pong")), ec);
  });

  ssl::context client_context(ssl::context::tls_client);
  boost::system::error_code& ec = result.client_error;
  client_context.load_verify_file(ca_file, ec);
  ssl::stream<tcp::socket> stream(io, client_context);
  if (!ec) {
    stream.set_verify_mode(ssl::verify_peer, ec);
  }
  if (!ec) stream.set_verify_callback(ssl::host_name_verification(host), ec);
  if (!ec && host.find_first_not_of("0123456789.:") != std::string::npos) {
    // SSL_set_tlsext_host_name, spelled out: the macro casts in our code.
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
  }
  if (!ec) stream.next_layer().connect(acceptor.local_endpoint(), ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (!ec) result.version = SSL_version(stream.native_handle());
  if (!ec) asio::write(stream, asio::buffer(std::string("ping")), ec);
  std::string buffer(4, '\0');
  if (!ec) asio::read(stream, asio::buffer(buffer), ec);
  if (!ec) result.client_got = buffer;
  stream.next_layer().close();
  server.join();
  return result;
}

TEST_F(TlsContextTest, ClientVerifyingAgainstCertPemCompletesAHandshake) {
  SelfSignedFiles files = Write("tls");
  auto context = MakeServerTlsContext(files.cert_file, files.key_file);
  ASSERT_TRUE(context.ok()) << context.error().message();
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    Exchange exchange = PingOverTls(**context, files.cert_file, host);
    EXPECT_FALSE(exchange.client_error) << host << ": " << exchange.client_error.message();
    EXPECT_FALSE(exchange.server_error) << host << ": " << exchange.server_error.message();
    EXPECT_EQ(exchange.server_got, "ping");
    EXPECT_EQ(exchange.client_got, "pong");
    EXPECT_EQ(exchange.version, TLS1_3_VERSION);
  }
}

TEST_F(TlsContextTest, ClientTrustingAnotherCertificateRefusesTheHandshake) {
  SelfSignedFiles files = Write("tls");
  SelfSignedFiles stranger = Write("stranger");
  auto context = MakeServerTlsContext(files.cert_file, files.key_file);
  ASSERT_TRUE(context.ok()) << context.error().message();
  Exchange exchange = PingOverTls(**context, stranger.cert_file, "localhost");
  EXPECT_TRUE(exchange.client_error);
  EXPECT_TRUE(exchange.server_error);
  EXPECT_EQ(exchange.server_got, "");
}

TEST_F(TlsContextTest, ClientCheckingAnotherHostNameRefusesTheHandshake) {
  SelfSignedFiles files = Write("tls");
  auto context = MakeServerTlsContext(files.cert_file, files.key_file);
  ASSERT_TRUE(context.ok()) << context.error().message();
  Exchange exchange = PingOverTls(**context, files.cert_file, "example.com");
  EXPECT_TRUE(exchange.client_error);
  EXPECT_EQ(exchange.server_got, "");
}

}  // namespace
}  // namespace sluice::net
