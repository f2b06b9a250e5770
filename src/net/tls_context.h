// TLS for the listener (--tls self-signed, --tls-cert/--tls-key): the server
// context sessions wrap their sockets with, and the self-signed certificate
// sluice writes at start so clients can trust it with AWS_CA_BUNDLE.
// Both functions are called once at start-up, before any thread runs; the
// context they return is then shared read-only by every session.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "sluice/common/result.h"

namespace sluice::net {

// A TLS server context: TLS 1.2 and 1.3 only, the certificate chain (leaf
// first) and the private key read from PEM files, the key checked against the
// certificate. An encrypted key is refused rather than prompting on the tty.
// The error names the flag and file and gives the reason, ready to print as
// "sluice: <message>", e.g.
//   "--tls-cert /x/cert.pem: cannot read: No such file or directory"
//   "--tls-key /x/key.pem: does not match the certificate in /x/cert.pem (key values mismatch)"
Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_file, const std::string& key_file);

struct SelfSignedFiles {
  std::string cert_file;  // DIR/cert.pem
  std::string key_file;   // DIR/key.pem
};

// Makes a fresh EC P-256 key and a self-signed X.509 v3 certificate for
// localhost, 127.0.0.1 and ::1 (valid from a day ago for 825 days, the longest
// Apple's clients accept), and writes DIR/cert.pem (0644) and DIR/key.pem
// (0600), creating DIR (0700) if missing. The certificate is its own CA
// (basicConstraints CA:TRUE), so it works directly as a CA bundle, and it
// passes OpenSSL's X509_STRICT checks that newer Pythons turn on. Each file is
// written to a temporary name and renamed, so the key never exists with wider
// permissions and a reader never sees half a file. The error says which step
// failed.
Result<SelfSignedFiles> WriteSelfSignedCertificate(const std::string& dir);

}  // namespace sluice::net
