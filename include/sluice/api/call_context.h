// CallContext: who is calling and where, as the protocol layer read it from
// the request (SigV4 credential scope), handed to every operation.
#pragma once

#include <string>

namespace sluice::api {

struct CallContext {
  std::string request_id;
  std::string account_id;  // 12 digits
  std::string region;      // e.g. us-east-1
  std::string access_key;  // never logged; empty for unsigned requests
  // Where the caller reached sluice ("http://" and its Host header), or
  // --public-url: the start of the webhook URLs it is given.
  std::string base_url;
};

}  // namespace sluice::api
