// DurableHandler: --data-dir between net and the router. A request is
// answered only once what it changed is in the journal, as durable as --sync
// promises: the router does the work, the journal writes what it marked, and
// the answer waits for that record. With --sync batch the wait is for an
// fsync shared with concurrent requests, so the session is freed meanwhile
// (the Responder path); with always or none the record is durable when
// Capture() returns and the answer goes at once.
//
// Reads go through too: a read that shows what the engine did by itself
// (an action completing) waits until that is written, so nothing a client
// has seen is lost. A read that saw nothing new costs a look at the marks.
#pragma once

#include <memory>

#include "persist/state_journal.h"
#include "sluice/net/request_handler.h"

namespace sluice::app {

class DurableHandler final : public net::RequestHandler {
 public:
  DurableHandler(std::shared_ptr<net::RequestHandler> inner, persist::StateJournal& journal);

  bool NeedsPeerAddress(const net::HttpRequest& request) const override;
  net::HttpResponse Handle(net::HttpRequest&& request) override;
  net::HttpResponse Reject(net::RejectReason reason, unsigned http_version) override;
  bool IsAsync(const net::HttpRequest& request) const override;
  void HandleAsync(net::HttpRequest&& request, std::shared_ptr<net::Responder> responder) override;

 private:
  const std::shared_ptr<net::RequestHandler> inner_;
  persist::StateJournal& journal_;
  const bool shared_sync_;  // --sync batch
};

}  // namespace sluice::app
