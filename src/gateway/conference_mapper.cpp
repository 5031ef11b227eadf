#include "gateway/conference_mapper.hpp"

#include "core/libre.hpp"
#include "core/log.hpp"

#include <nlohmann/json.hpp>

#include <cstring>

namespace gateway {

namespace {

// A mapper that does not answer must not leave the caller in silence for long.
constexpr uint64_t kLookupTimeoutMs = 5000;

}  // namespace

std::string mapper_request_url(const std::string& url_template, const std::string& number) {
    std::string url = url_template;
    const std::string key = "{number}";
    for (size_t pos = url.find(key); pos != std::string::npos; pos = url.find(key, pos))
        url.replace(pos, key.size(), number), pos += number.size();
    return url;
}

MapperAnswer mapper_answer(int status, const std::string& body, const std::string& field) {
    MapperAnswer a;
    if (status == 404) {
        a.detail = "mapper answered 404";
        return a;  // an unknown number, not an outage
    }
    if (status < 200 || status > 299) {
        a.unavailable = true;
        a.detail = "mapper answered " + std::to_string(status);
        return a;
    }
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        a.unavailable = true;
        a.detail = "mapper answer is not a JSON object";
        return a;
    }
    const auto it = json.find(field);
    if (it == json.end() || it->is_null()) {
        a.detail = "mapper answer has no '" + field + "'";
        return a;
    }
    if (it->is_string())
        a.room = it->get<std::string>();
    else if (it->is_number_integer())
        a.room = std::to_string(it->get<int64_t>());
    else
        a.detail = "mapper member '" + field + "' is not a string";
    return a;
}

ConferenceMapper::ConferenceMapper(const core::IvrConfig& config)
    : url_template_(config.mapper_url), field_(config.mapper_field) {
    // The system's name servers, for mapper URLs with host names.
    struct sa servers[4];
    uint32_t n = 4;
    if (dns_srv_get(nullptr, 0, servers, &n) != 0) n = 0;
    struct dnsc* dnsc = nullptr;
    if (dnsc_alloc(&dnsc, nullptr, servers, n) == 0) dnsc_ = core::adopt(dnsc);
    struct http_cli* cli = nullptr;
    if (http_client_alloc(&cli, dnsc_.get()) == 0) client_ = core::adopt(cli);
}

ConferenceMapper::~ConferenceMapper() = default;

void ConferenceMapper::lookup(const std::string& number, Done done) {
    request_.reset();
    deadline_.cancel();
    done_ = std::move(done);
    const std::string url = mapper_request_url(url_template_, number);
    if (!client_) {
        finish({"", true, "no HTTP client"});
        return;
    }
    struct http_req* req = nullptr;
    const int err = http_request(&req, client_.get(), "GET", url.c_str(), on_response, nullptr,
                                 this, "Accept: application/json\r\nContent-Length: 0\r\n\r\n");
    if (err != 0) {
        finish({"", true, "request to " + url + " failed: " + std::to_string(err)});
        return;
    }
    request_ = core::adopt(req);
    deadline_.start(kLookupTimeoutMs, [this] { finish({"", true, "mapper timed out"}); });
}

void ConferenceMapper::on_response(int err, const struct http_msg* msg, void* arg) {
    auto* self = static_cast<ConferenceMapper*>(arg);
    if (err != 0 || msg == nullptr) {
        self->finish({"", true, "mapper request failed: " + std::string(std::strerror(err))});
        return;
    }
    std::string body;
    if (msg->mb != nullptr)
        body.assign(reinterpret_cast<const char*>(mbuf_buf(msg->mb)), mbuf_get_left(msg->mb));
    self->finish(mapper_answer(msg->scode, body, self->field_));
}

void ConferenceMapper::finish(const MapperAnswer& answer) {
    deadline_.cancel();
    // The request is not freed here: libre may still be inside its handler.
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(answer);
}

}  // namespace gateway
