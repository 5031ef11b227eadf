#include "gateway/conference_mapper.hpp"

#include <nlohmann/json.hpp>

namespace gateway {

namespace {

// A mapper that does not answer must not leave the caller in silence for long.
constexpr uint64_t kLookupTimeoutMs = 5000;

}  // namespace

std::string mapper_request_url(const std::string& url_template, const std::string& number,
                               const std::string& service) {
    std::string url = url_template;
    for (const auto& [key, value] :
         {std::pair<std::string, const std::string&>{"{number}", number}, {"{service}", service}}) {
        for (size_t pos = url.find(key); pos != std::string::npos; pos = url.find(key, pos))
            url.replace(pos, key.size(), value), pos += value.size();
    }
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
    : url_template_(config.mapper_url), field_(config.mapper_field) {}

ConferenceMapper::~ConferenceMapper() = default;

void ConferenceMapper::lookup(const std::string& number, const std::string& service, Done done) {
    fetch_.get(mapper_request_url(url_template_, number, service), kLookupTimeoutMs,
               [this, done = std::move(done)](const core::HttpAnswer& answer) {
                   if (!answer.answered()) {
                       done({"", true, "mapper request failed: " + answer.error});
                       return;
                   }
                   done(mapper_answer(answer.status, answer.body, field_));
               });
}

}  // namespace gateway
