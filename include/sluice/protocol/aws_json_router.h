// AwsJsonRouter: the AWS JSON 1.1 wire. It takes whole HTTP requests from net,
// reads the operation from X-Amz-Target and the caller from the SigV4
// credential scope, decodes the JSON body, runs the operation through the
// OperationTable and writes the response or an AWS-shaped error with its
// x-amzn-RequestId. It also answers GET /_sluice/health, and logs one access
// line per request. Thread-safe: it keeps no per-request state.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "sluice/api/operation_table.h"
#include "sluice/net/request_handler.h"

namespace sluice::protocol {

struct RouterOptions {
  std::string default_account = "000000000000";
  std::string default_region = "us-east-1";
  std::string version;          // reported by the health endpoint
  std::size_t body_limit = 0;   // reported in the too-large error
};

class AwsJsonRouter final : public net::RequestHandler {
 public:
  AwsJsonRouter(const api::OperationTable& operations, RouterOptions options);

  net::HttpResponse Handle(net::HttpRequest&& request) override;
  net::HttpResponse Reject(net::RejectReason reason, unsigned http_version) override;

 private:
  struct Outcome;
  Outcome Dispatch(const net::HttpRequest& request, api::CallContext& context,
                   std::string& operation) const;
  net::HttpResponse Health(unsigned http_version) const;

  const api::OperationTable& operations_;
  RouterOptions options_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace sluice::protocol
