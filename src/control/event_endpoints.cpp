#include "event_endpoints.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "control_http.h"
#include "control_json.h"
#include "sluice/common/logging.h"

namespace sluice::control {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kEventsPath = "/_sluice/events";
constexpr std::string_view kStreamPath = "/_sluice/events/stream";
constexpr std::size_t kDefaultLimit = 1000;
constexpr std::size_t kMaxLimit = 10'000;
constexpr double kMaxWaitSeconds = 300;
// What one SSE chunk carries at most: a reader far behind catches up in
// bounded writes.
constexpr std::size_t kStreamBatch = 256;
// A comment this often keeps proxies from closing an idle stream, and finds
// out that a client went away.
constexpr std::chrono::seconds kKeepAlive{15};


int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "a+b%20c" -> "a b c"; a malformed escape is a 400.
std::string Unescape(std::string_view text, std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      const int high = i + 2 < text.size() ? HexDigit(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
      if (high < 0 || low < 0) BadField(std::string(name), "has a malformed %-escape");
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The query's parameters: each known, each at most once.
std::map<std::string, std::string> ReadQuery(const net::HttpRequest& request,
                                             std::initializer_list<std::string_view> known) {
  std::string_view target(request.target().data(), request.target().size());
  const auto mark = target.find('?');
  std::map<std::string, std::string> params;
  if (mark == std::string_view::npos) return params;
  std::string_view query = target.substr(mark + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string name = Unescape(pair.substr(0, eq), "query");
    const std::string value =
        eq == std::string_view::npos ? "" : Unescape(pair.substr(eq + 1), name);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string names;
      for (const auto k : known) names += (names.empty() ? "" : ", ") + std::string(k);
      BadField(name, "is not a parameter here; these are: " + names);
    }
    if (!params.emplace(name, value).second) BadField(name, "is given twice");
  }
  return params;
}

std::uint64_t ReadCount(const std::map<std::string, std::string>& params, const std::string& name,
                        std::uint64_t fallback, std::uint64_t high) {
  const auto it = params.find(name);
  if (it == params.end()) return fallback;
  std::uint64_t value = 0;
  const auto [end, error] =
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (error != std::errc() || end != it->second.data() + it->second.size() || value > high) {
    BadField(name, "is \"" + it->second + "\"; it takes a whole number from 0 to " +
                       std::to_string(high));
  }
  return value;
}

double ReadSeconds(const std::map<std::string, std::string>& params, const std::string& name) {
  const auto it = params.find(name);
  if (it == params.end()) return 0;
  double value = -1;
  const auto [end, error] =
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (error != std::errc() || end != it->second.data() + it->second.size() || !(value >= 0) ||
      value > kMaxWaitSeconds) {
    BadField(name, "is \"" + it->second + "\"; it takes seconds from 0 to " +
                       std::to_string(static_cast<int>(kMaxWaitSeconds)));
  }
  return value;
}

events::EventFilter ReadFilter(const std::map<std::string, std::string>& params) {
  const auto get = [&](const char* name) -> std::optional<std::string> {
    const auto it = params.find(name);
    return it == params.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  return {get("pipeline"), get("detail-type"), get("execution-id"), get("state")};
}

// {"events": [...], "nextAfter", "oldestAvailable"}: the events' JSON text
// as rendered once, not parsed and dumped again.
std::string PageBody(const events::EventPage& page) {
  std::string body = "{\"events\":[";
  for (std::size_t i = 0; i < page.events.size(); ++i) {
    if (i != 0) body.push_back(',');
    body += page.events[i]->json;
  }
  body += "],\"nextAfter\":" + std::to_string(page.next_after) +
          ",\"oldestAvailable\":" + std::to_string(page.oldest_available) + "}";
  return body;
}

// One long poll: answers at once when there is something (or no wait),
// else when a matching event comes or the wait ends. Runs on the
// connection's strand.
class LongPoll : public std::enable_shared_from_this<LongPoll> {
 public:
  LongPoll(events::EventHub& hub, std::shared_ptr<net::Responder> responder,
           unsigned http_version, std::uint64_t after, events::EventFilter filter,
           std::size_t limit)
      : hub_(hub),
        responder_(std::move(responder)),
        http_version_(http_version),
        filter_(std::move(filter)),
        limit_(limit),
        cursor_(after),
        timer_(responder_->Executor()) {}

  void Start(double wait_seconds) {
    events::EventPage page = hub_.Read(cursor_, filter_, limit_);
    if (!page.events.empty() || wait_seconds <= 0) return Answer(page);
    cursor_ = page.next_after;
    auto self = shared_from_this();
    responder_->OnClosed([self] { self->Stop(); });
    timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(wait_seconds)));
    timer_.async_wait([self](boost::system::error_code ec) {
      if (!ec) self->Answer(self->hub_.Read(self->cursor_, self->filter_, self->limit_));
    });
    WatchHub();
  }

 private:
  void WatchHub() {
    auto self = shared_from_this();
    watch_ = hub_.Watch(cursor_, [self] {
      boost::asio::post(self->responder_->Executor(), [self] { self->Woken(); });
    });
  }

  void Woken() {
    watch_ = 0;
    if (done_) return;
    events::EventPage page = hub_.Read(cursor_, filter_, limit_);
    if (!page.events.empty()) return Answer(page);
    cursor_ = page.next_after;  // only events this reader does not want came
    WatchHub();
  }

  void Answer(events::EventPage page) {
    if (done_) return;
    Stop();
    if (page.events.empty() && page.next_after < cursor_) page.next_after = cursor_;
    net::HttpResponse response{http::status::ok, http_version_};
    response.set(http::field::server, "sluice");
    response.set(http::field::content_type, "application/json");
    response.body() = PageBody(page);
    responder_->Reply(std::move(response));
  }

  void Stop() {
    done_ = true;
    timer_.cancel();
    if (watch_ != 0) hub_.Unwatch(watch_);
    watch_ = 0;
  }

  events::EventHub& hub_;
  const std::shared_ptr<net::Responder> responder_;
  const unsigned http_version_;
  const events::EventFilter filter_;
  const std::size_t limit_;
  std::uint64_t cursor_;
  boost::asio::steady_timer timer_;
  std::uint64_t watch_ = 0;
  bool done_ = false;
};

// One Server-Sent Events stream. Pull, not push: it reads the hub when the
// last chunk is written and something new is there, so a reader that stops
// reading holds one unwritten chunk and nothing else. Runs on the
// connection's strand.
class EventStream : public std::enable_shared_from_this<EventStream> {
 public:
  // Without `after`, it starts from the oldest event held: a reader that
  // names no place cannot have fallen behind it.
  EventStream(events::EventHub& hub, std::shared_ptr<net::Responder> responder,
              std::optional<std::uint64_t> after, events::EventFilter filter)
      : hub_(hub),
        responder_(std::move(responder)),
        filter_(std::move(filter)),
        cursor_(after ? *after : hub_.Read(0, {}, 1).oldest_available - 1),
        keep_alive_(responder_->Executor()) {}

  void Start(unsigned http_version) {
    auto self = shared_from_this();
    responder_->OnClosed([self] { self->Stop(); });
    net::HttpResponse head{http::status::ok, http_version};
    head.set(http::field::server, "sluice");
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-cache");
    responder_->OpenStream(std::move(head));
    // Tells EventSource how soon to reconnect, and opens the body at once.
    Send("retry: 1000\n\n");
    ArmKeepAlive();
  }

 private:
  void Pump() {
    if (closed_) return;
    if (writing_) {
      pump_pending_ = true;
      return;
    }
    pump_pending_ = false;
    const events::EventPage page = hub_.Read(cursor_, filter_, kStreamBatch);
    std::string chunk;
    if (page.oldest_available - 1 > cursor_) {
      // Events this reader asked for are gone: say so, then go on from the
      // first still held.
      chunk += "event: gap\ndata: {\"after\":" + std::to_string(cursor_) +
               ",\"oldestAvailable\":" + std::to_string(page.oldest_available) + "}\n\n";
    }
    for (const auto& event : page.events) {
      chunk += "id: " + std::to_string(event->sequence) + "\ndata: " + event->json + "\n\n";
    }
    cursor_ = std::max(page.next_after, page.oldest_available - 1);
    if (!chunk.empty()) return Send(std::move(chunk));
    auto self = shared_from_this();
    watch_ = hub_.Watch(cursor_, [self] {
      boost::asio::post(self->responder_->Executor(), [self] {
        self->watch_ = 0;
        self->Pump();
      });
    });
  }

  void Send(std::string chunk) {
    writing_ = true;
    auto self = shared_from_this();
    responder_->Write(std::move(chunk), [self](bool written) {
      self->writing_ = false;
      if (!written) return self->Stop();
      self->Pump();
    });
  }

  void ArmKeepAlive() {
    keep_alive_.expires_after(kKeepAlive);
    keep_alive_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      if (!self->writing_) {
        self->writing_ = true;
        self->responder_->Write(": keepalive\n\n", [self](bool written) {
          self->writing_ = false;
          if (!written) return self->Stop();
          if (self->pump_pending_) self->Pump();
        });
      }
      self->ArmKeepAlive();
    });
  }

  void Stop() {
    if (closed_) return;
    closed_ = true;
    keep_alive_.cancel();
    if (watch_ != 0) hub_.Unwatch(watch_);
    watch_ = 0;
    responder_->Close();
  }

  events::EventHub& hub_;
  const std::shared_ptr<net::Responder> responder_;
  const events::EventFilter filter_;
  std::uint64_t cursor_;
  boost::asio::steady_timer keep_alive_;
  std::uint64_t watch_ = 0;
  bool writing_ = false;
  bool pump_pending_ = false;
  bool closed_ = false;
};

}  // namespace

bool EventEndpoints::Serves(const net::HttpRequest& request) {
  const std::string_view path = PathOf(request);
  return path == kEventsPath || path == kStreamPath;
}

void EventEndpoints::Handle(net::HttpRequest&& request, std::shared_ptr<net::Responder> responder) {
  try {
    const std::string_view path = PathOf(request);
    if (request.method() != http::verb::get) {
      throw ControlError{405, "MethodNotAllowed",
                         std::string(path) + " takes GET, not " +
                             std::string(request.method_string()),
                         ""};
    }
    if (path == kStreamPath) {
      if (request.version() < 11) {
        throw ControlError{400, "BadRequest",
                           "the event stream is sent chunked, which needs HTTP/1.1; poll "
                           "GET /_sluice/events?wait= instead",
                           ""};
      }
      const auto params =
          ReadQuery(request, {"after", "pipeline", "detail-type", "execution-id", "state"});
      std::optional<std::uint64_t> after;
      if (params.contains("after")) after = ReadCount(params, "after", 0, UINT64_MAX);
      // A reconnecting EventSource names the last event it read.
      if (const auto last = request.find("Last-Event-ID"); last != request.end()) {
        const std::string text(last->value());
        std::uint64_t id = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
        if (error != std::errc() || end != text.data() + text.size()) {
          BadField("Last-Event-ID", "is \"" + text + "\"; it takes an event's sequence number");
        }
        after = id;
      }
      auto stream = std::make_shared<EventStream>(hub_, responder, after, ReadFilter(params));
      stream->Start(request.version());
      return;
    }
    const auto params = ReadQuery(
        request, {"after", "wait", "limit", "pipeline", "detail-type", "execution-id", "state"});
    const std::uint64_t after = ReadCount(params, "after", 0, UINT64_MAX);
    const double wait = ReadSeconds(params, "wait");
    const auto limit = static_cast<std::size_t>(ReadCount(params, "limit", kDefaultLimit, kMaxLimit));
    if (limit == 0) BadField("limit", "is 0; it takes a whole number from 1 to " + std::to_string(kMaxLimit));
    auto poll = std::make_shared<LongPoll>(hub_, responder, request.version(), after,
                                           ReadFilter(params), limit);
    poll->Start(wait);
  } catch (const ControlError& error) {
    responder->Reply(ErrorResponse(error, request));
  } catch (const std::exception& error) {
    // A defect: answered, logged, and never allowed to reach the io thread.
    Logger(kProtocolLogger)->error("{} failed: {}", std::string(request.target()), error.what());
    responder->Reply(ErrorResponse({500, "InternalError", "an internal error occurred", ""}, request));
  }
}

}  // namespace sluice::control
