// DurableHandler; see the header.
#include "durable_handler.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>
#include <utility>

#include "sluice/common/ids.h"

namespace sluice::app {

namespace http = boost::beast::http;

namespace {

// The answer when the journal cannot be written (a full disk): the change
// was made in memory but is not acknowledged.
net::HttpResponse JournalFailure(unsigned http_version, bool keep_alive) {
  net::HttpResponse response{http::status::internal_server_error, http_version};
  response.set(http::field::content_type, "application/x-amz-json-1.1");
  response.set("x-amzn-RequestId", RandomUuid());
  response.body() = nlohmann::json{{"__type", "InternalFailure"},
                                   {"message", "sluice could not write its journal (--data-dir); "
                                               "the change is not acknowledged"}}
                        .dump();
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

}  // namespace

DurableHandler::DurableHandler(std::shared_ptr<net::RequestHandler> inner,
                               persist::StateJournal& journal)
    : inner_(std::move(inner)),
      journal_(journal),
      shared_sync_(journal.options().sync == persist::SyncMode::kBatch) {}

bool DurableHandler::NeedsPeerAddress(const net::HttpRequest& request) const {
  return inner_->NeedsPeerAddress(request);
}

net::HttpResponse DurableHandler::Handle(net::HttpRequest&& request) {
  net::HttpResponse response = inner_->Handle(std::move(request));
  bool durable = false;
  journal_.WhenDurable(journal_.Capture(), [&durable](bool ok) { durable = ok; });
  if (!durable) return JournalFailure(response.version(), response.keep_alive());
  return response;
}

net::HttpResponse DurableHandler::Reject(net::RejectReason reason, unsigned http_version) {
  return inner_->Reject(reason, http_version);
}

bool DurableHandler::IsAsync(const net::HttpRequest& request) const {
  return shared_sync_ || inner_->IsAsync(request);
}

void DurableHandler::HandleAsync(net::HttpRequest&& request,
                                 std::shared_ptr<net::Responder> responder) {
  // Streams and long polls change nothing.
  if (inner_->IsAsync(request)) {
    inner_->HandleAsync(std::move(request), std::move(responder));
    return;
  }
  auto response = std::make_shared<net::HttpResponse>(inner_->Handle(std::move(request)));
  journal_.WhenDurable(journal_.Capture(), [responder = std::move(responder), response](bool ok) {
    if (ok) {
      responder->Reply(std::move(*response));
    } else {
      responder->Reply(JournalFailure(response->version(), response->keep_alive()));
    }
  });
}

}  // namespace sluice::app
