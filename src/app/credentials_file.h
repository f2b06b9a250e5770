// The AWS shared-credentials file behind --auth strict: reading the keys
// sluice accepts (--credentials FILE, or the one it wrote before), and making
// and writing a fresh key pair, the matching config file and the control
// token when none is given.
//
// The format is the AWS CLI's:
//   # comment            ; comment
//   [default]            (or [profile name])
//   aws_access_key_id = AKIAEXAMPLE
//   aws_secret_access_key = secret
//   aws_session_token = token          optional
//   aws_account_id = 111111111111      optional, else the default account
// Keys are case-insensitive and other keys (region, output...) are ignored.
// A profile with neither key id nor secret (settings only) is skipped.
//
// Nothing here logs or puts a secret in an error message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/result.h"
#include "sluice/protocol/credential_store.h"

namespace sluice::app {

// The credentials a file's text holds, in file order. The error message is
// "line N: ..." or "no profile with aws_access_key_id and
// aws_secret_access_key".
Result<std::vector<protocol::Credential>> ParseCredentialsFile(std::string_view text,
                                                               const std::string& default_account);

// Reads and parses `path`; the error message starts with the path.
Result<std::vector<protocol::Credential>> ReadCredentialsFile(const std::string& path,
                                                              const std::string& default_account);

// A fresh key pair from the system's random source, in profile "sluice":
// "AKIA" and 16 characters of [A-Z2-7]; a secret of 40 of [A-Za-z0-9/+].
protocol::Credential GenerateCredential(const std::string& account_id);

// The credentials file for `credential`: its profile with key id, secret,
// session token (when it has one) and account.
std::string RenderCredentialsFile(const protocol::Credential& credential);

// The config file naming `region` and JSON output for `profile`
// ("[profile sluice]"; "[default]" for the default profile).
std::string RenderConfigFile(const std::string& profile, const std::string& region);

// 32 lowercase hex characters from the system's random source.
std::string GenerateControlToken();

}  // namespace sluice::app
