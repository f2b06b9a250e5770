// What --auth strict, --control-token and --tls need before the server
// listens: the keys that may call (read from --credentials, from the auth
// directory, or generated there), the control token, and the TLS context
// (loaded, or a self-signed certificate made and written). Where it writes a
// file a client needs, it says so on `notices` (stderr: stdout keeps its one
// listening line).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <ostream>
#include <string>

#include "options.h"
#include "sluice/common/result.h"
#include "sluice/protocol/credential_store.h"
#include "sluice/protocol/sigv4_verifier.h"

namespace sluice::app {

struct AccessSetup {
  // Declared before the verifier, which reads it: destroyed after it.
  std::shared_ptr<const protocol::CredentialStore> credentials;
  std::shared_ptr<const protocol::SigV4Verifier> verifier;  // none: --auth off
  std::string control_token;                                 // empty: /_sluice/ open
  std::shared_ptr<boost::asio::ssl::context> tls;            // none: plain HTTP
};

// The error is one line for "sluice: " and exit status 2.
Result<AccessSetup> SetUpAccess(const Options& options, std::ostream& notices);

}  // namespace sluice::app
